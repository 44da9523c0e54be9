package dev.tenancy.jdbc;

import dev.tenancy.jdbc.internal.PgJdbc;
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

  /**
   * As {@link #after(Statement)}, first stepping past the results of the clearing of session objects when the
   * binding carried it.
   */
  default T after(Statement statement, boolean clearing) throws SQLException {
    if (clearing) {
      for (int i = 0; i < Binder.CLEARING_RESULTS; i++) {
        statement.getMoreResults();
      }
    }
    return after(statement);
  }
}
