package dev.tenancy.jdbc;

import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection handed out by {@link TenantDataSource}: tracks which tenant is bound in the current transaction
 * (or session) and wraps statements so that each one runs with the current tenant. Written out rather than a
 * dynamic proxy: it sits on every JDBC call of the application.
 */
final class BindingConnection extends ForwardingConnection {

  private static final Logger LOG = LoggerFactory.getLogger(TenantDataSource.class);

  final Binder binder;
  final Connection target;
  /** The pgjdbc connection under the pool's, looked up on first need; null when there is none. */
  private Object pgConnection;
  private boolean pgConnectionLookedUp;
  /** TRANSACTION: the value bound in the open transaction. SESSION: the value bound on the session. */
  private String bound;
  private boolean closed;
  /** Holds {@link #bound} and the lifecycle: this connection, or the one this is a view of. */
  private final BindingConnection state;
  /** The connection that {@link #getMetaData()} hands out; created on first need. */
  private BindingConnection metadataView;

  BindingConnection(Binder binder, Connection target) {
    this.binder = binder;
    this.target = target;
    this.state = this;
  }

  /** A view of {@code connection} that binds with {@code binder}, sharing what is bound on the connection. */
  private BindingConnection(BindingConnection connection, Binder binder) {
    this.binder = binder;
    this.target = connection.target;
    this.state = connection.state;
  }

  @Override
  Connection delegate() {
    return target;
  }

  // ---- binding

  /**
   * Called before every statement. Returns the value to bind in the same round trip as the statement, or null
   * when the right tenant is already bound. Throws when no tenant is in context and that is refused.
   */
  String beforeStatement() throws SQLException {
    String value = binder.tenantValue();
    if (binder.mode == BindingMode.SESSION) {
      if (!value.equals(state.bound)) {
        bindSession(value);
      }
      return null;
    }
    if (target.getAutoCommit()) {
      return value; // each autocommit statement is a transaction of its own
    }
    if (state.bound != null && PgTransactionState.idle(pgConnection())) {
      state.bound = null; // the transaction ended without us seeing it (COMMIT as SQL text)
    }
    return value.equals(state.bound) ? null : value;
  }

  private Object pgConnection() {
    if (!pgConnectionLookedUp) {
      pgConnection = PgTransactionState.unwrap(target);
      pgConnectionLookedUp = true;
    }
    return pgConnection;
  }

  /** Records that {@code value} is bound for the rest of the open transaction. */
  void bound(String value) throws SQLException {
    if (binder.mode == BindingMode.TRANSACTION && !target.getAutoCommit()) {
      state.bound = value;
    }
  }

  /** A combined execution failed: the transaction is aborted, so assume nothing is bound. */
  void failed() {
    if (binder.mode == BindingMode.TRANSACTION) {
      state.bound = null;
    }
  }

  /**
   * Called after a statement ran. Transaction control sent as SQL text ({@code ROLLBACK TO SAVEPOINT},
   * {@code COMMIT; BEGIN}, a procedure that commits) may have undone or ended the binding without the JDBC
   * methods seeing it, so the next statement binds again. Over-matching only costs one re-binding.
   */
  void afterStatement(boolean transactionControl) {
    if (transactionControl) {
      state.bound = null;
    }
  }

  /**
   * Runs {@code call} after binding the current tenant with a separate statement when it is not bound yet, for
   * statements that cannot carry the binding in their own round trip; then notes whether it was transaction
   * control. In autocommit mode the two run in one explicit transaction, because a transaction-local setting
   * would not outlive a statement of its own.
   */
  <T> T separately(boolean transactionControl, SqlCall<T> call) throws SQLException {
    try {
      return withSeparateBinding(beforeStatement(), call);
    } finally {
      afterStatement(transactionControl);
    }
  }

  /** As {@link #separately}, for a value {@link #beforeStatement()} already returned. */
  <T> T withSeparateBinding(String value, SqlCall<T> call) throws SQLException {
    if (value == null) {
      return call.run();
    }
    if (!target.getAutoCommit()) {
      try {
        binder.bind(target, binder.localBindSql, value);
      } catch (SQLException e) {
        failed();
        throw e;
      }
      bound(value);
      return call.run();
    }
    target.setAutoCommit(false);
    T result;
    try {
      binder.bind(target, binder.localBindSql, value);
      result = call.run();
      target.commit();
    } catch (SQLException | RuntimeException | Error failure) {
      try {
        target.rollback();
        target.setAutoCommit(true);
      } catch (SQLException | RuntimeException e) {
        failure.addSuppressed(e);
      }
      throw failure;
    }
    target.setAutoCommit(true);
    return result;
  }

  void bindSessionAtCheckout() throws SQLException {
    bindSession(binder.tenantValue());
    if (!target.getAutoCommit()) {
      // Make the session setting stick even if the caller's first transaction rolls back.
      target.commit();
    }
  }

  private void bindSession(String value) throws SQLException {
    binder.bind(target, binder.sessionBindSql, value);
    state.bound = value;
  }

  // ---- statements and metadata: every way back to the driver's objects leads through ours

  /**
   * Metadata whose {@code getConnection()} is a view of this connection. Frameworks run SQL through it at startup
   * with no tenant in context (Hibernate reads the server version so), so there a statement without tenant runs
   * as {@link NoTenantPolicy#BIND_NONE}: it sees no tenant rows and writes none, and is not refused.
   */
  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    if (metadataView == null) {
      metadataView = binder.noTenantPolicy == NoTenantPolicy.BIND_NONE
          ? this : new BindingConnection(this, binder.seeingNothingWithoutTenant());
    }
    return new BindingMetaData(metadataView, target.getMetaData());
  }

  @Override
  public Statement createStatement() throws SQLException {
    return new BindingStatement(this, target.createStatement());
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
    return new BindingStatement(this, target.createStatement(resultSetType, resultSetConcurrency));
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    return new BindingStatement(this,
        target.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability));
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    return new BindingPreparedStatement(this, sql, true, target::prepareStatement);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return new BindingPreparedStatement(this, sql, true,
        s -> target.prepareStatement(s, resultSetType, resultSetConcurrency));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
      int resultSetHoldability) throws SQLException {
    return new BindingPreparedStatement(this, sql, true,
        s -> target.prepareStatement(s, resultSetType, resultSetConcurrency, resultSetHoldability));
  }

  // With generated keys the driver rewrites the SQL itself (appending RETURNING), so these bind separately.

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    return new BindingPreparedStatement(this, sql, false, s -> target.prepareStatement(s, autoGeneratedKeys));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    return new BindingPreparedStatement(this, sql, false, s -> target.prepareStatement(s, columnIndexes));
  }

  @Override
  public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    return new BindingPreparedStatement(this, sql, false, s -> target.prepareStatement(s, columnNames));
  }

  @Override
  public CallableStatement prepareCall(String sql) throws SQLException {
    return new SeparatelyBoundCall(this, target.prepareCall(sql), sql);
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return new SeparatelyBoundCall(this, target.prepareCall(sql, resultSetType, resultSetConcurrency), sql);
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
      int resultSetHoldability) throws SQLException {
    return new SeparatelyBoundCall(this,
        target.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql);
  }

  /** An array built here reads its elements through a result set, which leads back to binding statements. */
  @Override
  public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    return BindingResultSet.array(this, target.createArrayOf(typeName, elements));
  }

  /** Only translates the text; nothing runs. */
  @Override
  public String nativeSQL(String sql) throws SQLException {
    return target.nativeSQL(sql);
  }

  // ---- transaction control

  @Override
  public void commit() throws SQLException {
    try {
      target.commit();
    } finally {
      transactionEnded();
    }
  }

  @Override
  public void setAutoCommit(boolean autoCommit) throws SQLException {
    try {
      target.setAutoCommit(autoCommit);
    } finally {
      transactionEnded();
    }
  }

  private void transactionEnded() {
    if (binder.mode == BindingMode.TRANSACTION) {
      state.bound = null;
    }
  }

  // A rollback also reverts settings made in the transaction (or since the savepoint), in both modes.

  @Override
  public void rollback() throws SQLException {
    try {
      target.rollback();
    } finally {
      state.bound = null;
    }
  }

  @Override
  public void rollback(Savepoint savepoint) throws SQLException {
    try {
      target.rollback(savepoint);
    } finally {
      state.bound = null;
    }
  }

  // ---- lifecycle

  @Override
  public boolean isClosed() throws SQLException {
    return state.closed || target.isClosed();
  }

  @Override
  public void close() throws SQLException {
    if (state != this) {
      state.close(); // a view is the same connection
      return;
    }
    if (closed) {
      return;
    }
    closed = true;
    if (binder.mode == BindingMode.SESSION) {
      try {
        boolean autoCommit = target.getAutoCommit();
        if (!autoCommit) {
          target.rollback(); // the caller's unfinished work is not ours to keep
        }
        binder.bind(target, binder.sessionBindSql, "");
        if (!autoCommit) {
          target.commit(); // else the pool's rollback on return would undo the reset
        }
      } catch (SQLException e) {
        // The connection must not go back to the pool with a tenant bound: abort it so the pool evicts it.
        LOG.warn("could not reset the tenant of a session-bound connection; aborting the connection", e);
        try {
          target.abort(Runnable::run);
        } catch (SQLException | RuntimeException abortFailure) {
          e.addSuppressed(abortFailure);
        }
      }
    }
    target.close();
  }

  @Override
  public String toString() {
    return "TenantConnection[" + target + "]";
  }

  /** A JDBC call. */
  @FunctionalInterface
  interface SqlCall<T> {
    T run() throws SQLException;
  }
}
