package dev.tenancy.jdbc;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A result set as the application sees it: {@link #getStatement()} leads back to the binding statement, not to
 * the driver's (which would run SQL unbound), and the SQL the driver sends for an updatable result set
 * ({@code updateRow}, {@code insertRow}, {@code deleteRow}, {@code refreshRow}) runs with the current tenant
 * bound, like any statement. Result sets inside it (a refcursor column) and the result sets of its arrays are
 * wrapped the same way. Rows the server produces after the statement ran (a refcursor read with
 * {@code getObject}, the next batch of a result set with a fetch size) are read only under the tenant of the
 * transaction that produces them.
 */
final class BindingResultSet extends ForwardingResultSet {

  private final BindingConnection connection;
  private final ResultSet target;
  /** The statement that produced it; null for metadata, whose driver statement is wrapped on demand. */
  private @Nullable Statement statement;

  private BindingResultSet(BindingConnection connection, @Nullable Statement statement, ResultSet target) {
    this.connection = connection;
    this.statement = statement;
    this.target = target;
  }

  /**
   * Wraps {@code results}, or returns {@code previous} when it already wraps them, so that asking a statement for
   * its result set twice gives the same object, as the driver does.
   */
  static @Nullable ResultSet wrap(
      BindingConnection connection, @Nullable Statement statement, @Nullable ResultSet results,
      @Nullable ResultSet previous) {
    if (results == null) {
      return null;
    }
    if (previous instanceof BindingResultSet wrapped && wrapped.target == results) {
      return previous;
    }
    return new BindingResultSet(connection, statement, results);
  }

  /** A value read from a result set or a call: a result set (refcursor) or an array in it is wrapped too. */
  static Object nested(BindingConnection connection, @Nullable Statement statement, Object value) {
    if (value instanceof ResultSet results) {
      return new BindingResultSet(connection, statement, results);
    }
    return value instanceof Array array ? new BindingArray(connection, array) : value;
  }

  /** As {@link #nested(BindingConnection, Statement, Object)}, unless a driver type was asked for by name. */
  static <T> T nested(BindingConnection connection, @Nullable Statement statement, T value, Class<T> type) {
    if (value instanceof ResultSet results && type.isAssignableFrom(BindingResultSet.class)) {
      return type.cast(new BindingResultSet(connection, statement, results));
    }
    if (value instanceof Array array && type.isAssignableFrom(BindingArray.class)) {
      return type.cast(new BindingArray(connection, array));
    }
    return value;
  }

  /** An array read from a result set or a call. */
  static @Nullable Array array(BindingConnection connection, @Nullable Array value) {
    return value == null ? null : new BindingArray(connection, value);
  }

  // Only a nested result set needs this one's statement; looking it up may wrap a driver statement.

  private Object nested(Object value) throws SQLException {
    return nested(connection, value instanceof ResultSet ? getStatement() : null, value);
  }

  private <T> T nested(T value, Class<T> type) throws SQLException {
    return nested(connection, value instanceof ResultSet ? getStatement() : null, value, type);
  }

  @Override
  ResultSet delegate() {
    return target;
  }

  @Override
  public @Nullable Statement getStatement() throws SQLException {
    if (statement == null) {
      Statement driverStatement = target.getStatement();
      if (driverStatement != null) {
        BindingStatement wrapped = new BindingStatement(connection, driverStatement);
        if (driverStatement.isCloseOnCompletion()) {
          wrapped.closeOnCompletion(); // so that its statements bind separately, as for the user's own
        }
        statement = wrapped;
      }
    }
    return statement;
  }

  /**
   * With a fetch size inside a transaction the driver fetches the next rows from the server when the fetched ones
   * run out, and the server produces them under the transaction's binding: only that transaction's tenant may
   * read them.
   */
  @Override
  public boolean next() throws SQLException {
    if (target.getFetchSize() > 0) {
      connection.beforeRows();
    }
    return target.next();
  }

  // ---- driver SQL of updatable result sets

  @Override
  public void updateRow() throws SQLException {
    connection.separatelyRun(false, target::updateRow);
  }

  @Override
  public void insertRow() throws SQLException {
    connection.separatelyRun(false, target::insertRow);
  }

  @Override
  public void deleteRow() throws SQLException {
    connection.separatelyRun(false, target::deleteRow);
  }

  @Override
  public void refreshRow() throws SQLException {
    connection.separatelyRun(false, target::refreshRow);
  }

  // ---- result sets and arrays inside

  @Override
  public @Nullable Array getArray(int columnIndex) throws SQLException {
    return array(connection, target.getArray(columnIndex));
  }

  @Override
  public @Nullable Array getArray(String columnLabel) throws SQLException {
    return array(connection, target.getArray(columnLabel));
  }

  @Override
  public Object getObject(int columnIndex) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnIndex));
  }

  @Override
  public Object getObject(String columnLabel) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnLabel));
  }

  @Override
  public Object getObject(int columnIndex, Map<String, Class<?>> map) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnIndex, map));
  }

  @Override
  public Object getObject(String columnLabel, Map<String, Class<?>> map) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnLabel, map));
  }

  @Override
  public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnIndex, type), type);
  }

  @Override
  public <T> T getObject(String columnLabel, Class<T> type) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return nested(target.getObject(columnLabel, type), type);
  }

  @Override
  public String toString() {
    return "TenantResultSet[" + target + "]";
  }
}
