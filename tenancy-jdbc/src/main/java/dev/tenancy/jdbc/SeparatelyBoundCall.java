package dev.tenancy.jdbc;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A stored procedure or function call: the driver rewrites its SQL and its out parameters need a statement of
 * their own, so the tenant is bound by a separate statement first, when it is not bound already.
 */
final class SeparatelyBoundCall extends ForwardingCallableStatement {

  private final BindingConnection connection;
  private final CallableStatement target;
  private final boolean transactionControl;

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
  public ResultSet executeQuery() throws SQLException {
    return connection.separately(transactionControl, target::executeQuery);
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

  private <T> T runBatch(BindingConnection.SqlCall<T> batch) throws SQLException {
    try {
      return connection.separately(transactionControl, batch);
    } finally {
      // A batch refused before it ran (no tenant) must not run later under another tenant.
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
