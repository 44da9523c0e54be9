package dev.tenancy.jdbc;

import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A stored procedure or function call: the driver rewrites its SQL and its out parameters need a statement of
 * their own, so the tenant is bound by a separate statement first, when it is not bound already.
 */
final class SeparatelyBoundCall extends ForwardingCallableStatement {

  private final BindingConnection connection;
  private final CallableStatement target;
  private final boolean transactionControl;
  private @Nullable ResultSet results;
  private boolean batchQueued;
  private @Nullable String batchTenant;

  SeparatelyBoundCall(BindingConnection connection, CallableStatement target, String sql) {
    this.connection = connection;
    this.target = target;
    this.transactionControl = Binder.isTransactionControl(sql);
  }

  @Override
  CallableStatement delegate() {
    return target;
  }

  @Override
  void parameter(int index, Parameter setter) throws SQLException {
    setter.apply(target, index); // a call is never combined with the binding, so indexes never shift
  }

  @Override
  void setting(Setting setting) throws SQLException {
    setting.apply(target);
  }

  @Override
  public boolean execute() throws SQLException {
    return connection.separately(transactionControl, target::execute);
  }

  @Override
  @SuppressWarnings("NullAway") // executeQuery never returns null (JDBC contract), so results() wraps a result set
  public ResultSet executeQuery() throws SQLException {
    return results(connection.separately(transactionControl, target::executeQuery));
  }

  /** The driver's result set as the application sees it; the same object each time for the same result. */
  @Override
  @Nullable ResultSet results(@Nullable ResultSet driverResults) {
    if (driverResults == null) {
      return null;
    }
    results = BindingResultSet.wrap(connection, this, driverResults, results);
    return results;
  }

  // A refcursor out parameter is a result set too.

  @Override
  public @Nullable Array getArray(int parameterIndex) throws SQLException {
    return BindingResultSet.array(connection, target.getArray(parameterIndex));
  }

  @Override
  public @Nullable Array getArray(String parameterName) throws SQLException {
    return BindingResultSet.array(connection, target.getArray(parameterName));
  }

  @Override
  public Object getObject(int parameterIndex) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterIndex));
  }

  @Override
  public Object getObject(String parameterName) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterName));
  }

  @Override
  public Object getObject(int parameterIndex, Map<String, Class<?>> map) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterIndex, map));
  }

  @Override
  public Object getObject(String parameterName, Map<String, Class<?>> map) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterName, map));
  }

  @Override
  public <T> T getObject(int parameterIndex, Class<T> type) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterIndex, type), type);
  }

  @Override
  public <T> T getObject(String parameterName, Class<T> type) throws SQLException {
    connection.beforeRows(); // a refcursor is fetched now
    return BindingResultSet.nested(connection, this, target.getObject(parameterName, type), type);
  }

  @Override
  public int executeUpdate() throws SQLException {
    return connection.separately(transactionControl, target::executeUpdate);
  }

  @Override
  public long executeLargeUpdate() throws SQLException {
    return connection.separately(transactionControl, target::executeLargeUpdate);
  }

  @Override
  public int[] executeBatch() throws SQLException {
    return runBatch(target::executeBatch);
  }

  @Override
  public long[] executeLargeBatch() throws SQLException {
    return runBatch(target::executeLargeBatch);
  }

  @Override
  public void addBatch() throws SQLException {
    batchTenant = connection.beforeAddBatch(batchQueued, batchTenant);
    target.addBatch();
    batchQueued = true;
  }

  @Override
  public void clearBatch() throws SQLException {
    target.clearBatch();
    batchQueued = false;
  }

  private <T> T runBatch(BindingConnection.SqlCall<T> batch) throws SQLException {
    boolean queued = batchQueued;
    batchQueued = false;
    try {
      connection.beforeBatch(queued, batchTenant);
      return connection.separately(transactionControl, batch);
    } finally {
      // A batch refused before it ran (no tenant, another tenant) must not run later under another tenant.
      target.clearBatch();
    }
  }

  @Override
  public Connection getConnection() {
    return connection;
  }

  @Override
  public String toString() {
    return "TenantCallableStatement[" + target + "]";
  }
}
