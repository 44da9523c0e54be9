package dev.tenancy.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What one of the user's execute methods returns, read after a combined "binding; user statement" execution:
 * steps past the binding's result to the user's.
 */
@FunctionalInterface
interface ResultKind<T> {

  ResultKind<Boolean> EXECUTE = Statement::getMoreResults;

  ResultKind<ResultSet> QUERY = statement -> {
    statement.getMoreResults();
    ResultSet results = statement.getResultSet();
    if (results == null) {
      throw PgJdbc.error("No results were returned by the query.", "02000");
    }
    return results;
  };

  ResultKind<Integer> UPDATE = statement -> {
    if (statement.getMoreResults()) {
      throw PgJdbc.error("A result was returned when none was expected.", "0100E");
    }
    return Math.max(statement.getUpdateCount(), 0);
  };

  ResultKind<Long> LARGE_UPDATE = statement -> {
    if (statement.getMoreResults()) {
      throw PgJdbc.error("A result was returned when none was expected.", "0100E");
    }
    return Math.max(statement.getLargeUpdateCount(), 0L);
  };

  T after(Statement statement) throws SQLException;
}
