package dev.tenancy.jdbc;

import dev.tenancy.jdbc.internal.PgJdbc;
import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The connection handed out by {@link TenantDataSource}: tracks which tenant is bound in the open transaction of
 * the server session under it, and which tenant that transaction belongs to, and wraps statements so that each
 * one runs with the current tenant. Written out rather than a
 * dynamic proxy: it sits on every JDBC call of the application.
 */
final class BindingConnection extends ForwardingConnection {


  final Binder binder;
  final Connection target;
  /** The pgjdbc connection under the pool's, looked up on first need; null when there is none. */
  private @Nullable Object pgConnection;
  private boolean pgConnectionLookedUp;
  /** What is bound on the server session under this handle; shared with every other handle over it. */
  private PgTransactionState.@Nullable Session session;
  private boolean closed;
  /**
   * Set by {@link #beforeStatement()}: the binding it asks for must first clear the session objects of the
   * previous tenant ({@link Binder#CLEAR_SESSION_OBJECTS}), in the same round trip.
   */
  private boolean clearing;
  /** Holds the lifecycle and the session record: this connection, or the one this is a view of. */
  private final BindingConnection state;
  /** The connection that {@link #getMetaData()} hands out; created on first need. */
  private @Nullable BindingConnection metadataView;

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
   * when the right tenant is already bound. Throws when no tenant is in context and that is refused, and when
   * the open transaction belongs to another tenant: a transaction serves one tenant from its first statement to
   * its end, so that nothing it opened (a result set still fetching, a cursor, its uncommitted rows) is ever
   * continued under another tenant's binding.
   */
  @Nullable String beforeStatement() throws SQLException {
    String value = binder.tenantValue();
    PgTransactionState.Session session = session();
    Object pg = state.pgConnection();
    boolean autoCommit = target.getAutoCommit();
    // Without pgjdbc, only autocommit tells that no transaction is open.
    boolean idle = pg == null ? autoCommit : PgTransactionState.idle(pg);
    if (idle) {
      session.ended(); // also when the transaction ended unseen (COMMIT as SQL text, another handle)
    }
    if (session.owner != null && !session.owner.equals(value)) {
      throw PgJdbc.error("statement refused: the open transaction belongs to " + describe(session.owner)
          + " and this statement runs under " + describe(value) + "; a transaction serves one tenant, so commit "
          + "or roll back before switching tenants (or use another connection)", "25000");
    }
    // Before another tenant's transaction starts, the previous tenant's temporary tables and cursors are dropped
    // (from an earlier checkout, or earlier in this one): read, or written through a temporary table named like a
    // real one (pg_temp comes first on the search path), they would cross tenants.
    state.clearing = session.owner == null && !value.equals(session.lastTenant);
    if (autoCommit && idle) {
      return value; // each autocommit statement is a transaction of its own
    }
    return value.equals(session.bound) ? null : value;
  }

  /**
   * Called before rows are produced outside a statement of ours: a result set fetching lazily (fetch size inside
   * a transaction) or a refcursor read with {@code getObject}. The server produces those rows under what is bound
   * in the open transaction, which is its tenant's; code under another tenant (or none) must not receive them.
   */
  void beforeRows() throws SQLException {
    PgTransactionState.Session session = session();
    if (session.owner == null) {
      return;
    }
    if (PgTransactionState.idle(state.pgConnection())) {
      session.ended();
      return;
    }
    String value = binder.tenantValueOrNull();
    if (!session.owner.equals(value)) {
      throw PgJdbc.error("reading refused: the rows come from the open transaction of " + describe(session.owner)
          + " and are read under " + (value == null ? "no tenant" : describe(value)) + "; finish reading in that "
          + "tenant's scope, then commit or roll back before switching tenants", "25000");
    }
  }

  /**
   * Before {@code addBatch}: returns the tenant the batch is queued under (null for none). A batch belongs to one
   * tenant: adding to a batch {@code queuedUnder} another tenant is refused.
   */
  @Nullable String beforeAddBatch(boolean queued, @Nullable String queuedUnder) throws SQLException {
    String now = binder.tenantValueOrNull();
    if (queued && !Objects.equals(queuedUnder, now)) {
      throw batchRefused(queuedUnder, now, "adding to it");
    }
    return now;
  }

  /**
   * Before {@code executeBatch}: a batch runs under the tenant that queued it, so executing it under another
   * tenant (or none) is refused; the caller then discards it.
   */
  void beforeBatch(boolean queued, @Nullable String queuedUnder) throws SQLException {
    String now = binder.tenantValueOrNull();
    if (queued && !Objects.equals(queuedUnder, now)) {
      throw batchRefused(queuedUnder, now, "executing it; the batch was discarded");
    }
  }

  private static SQLException batchRefused(@Nullable String queuedUnder, @Nullable String now, String what) {
    return new SQLInvalidAuthorizationSpecException("batch refused: it was queued under "
        + (queuedUnder == null ? "no tenant" : describe(queuedUnder)) + " and " + what + " runs under "
        + (now == null ? "no tenant" : describe(now)) + "; a batch belongs to the tenant that queued it, so execute "
        + "it in that tenant's scope", "28000");
  }

  private static String describe(String value) {
    return value.isEmpty() ? "no tenant" : "tenant '" + value + "'";
  }

  private PgTransactionState.Session session() {
    if (state.session == null) {
      state.session = PgTransactionState.session(state.pgConnection());
    }
    return state.session;
  }

  private @Nullable Object pgConnection() {
    if (!pgConnectionLookedUp) {
      pgConnection = PgTransactionState.unwrap(target);
      pgConnectionLookedUp = true;
    }
    return pgConnection;
  }

  /** True when a transaction stays open after the statement that just ran, so its binding lasts. */
  private boolean transactionOpen() throws SQLException {
    Object pg = state.pgConnection();
    if (pg != null) {
      return !PgTransactionState.idle(pg); // also BEGIN sent as SQL text in autocommit mode, or COMMIT as text
    }
    return !target.getAutoCommit();
  }

  /** Whether the binding {@link #beforeStatement()} asked for must clear the previous tenant's session objects. */
  boolean clearing() {
    return state.clearing;
  }

  /**
   * Records that {@code value} is bound for the rest of the open transaction, which is now that tenant's; and,
   * when the binding cleared the session objects, that the session is that tenant's once the clearing is committed
   * (a rollback would bring the objects back, so until then every transaction clears them again).
   */
  void bound(String value) throws SQLException {
    PgTransactionState.Session session = session();
    boolean cleared = state.clearing;
    state.clearing = false;
    if (!value.equals(session.lastTenant)) {
      session.lastTenant = null; // another tenant ran on the session: clear before anyone's next transaction
    }
    if (transactionOpen()) {
      session.bound = value;
      session.owner = value;
      if (cleared) {
        session.clearedFor = value;
      }
    } else if (cleared) {
      session.lastTenant = value; // committed with the statement
    }
  }

  /** A combined execution failed: the transaction is aborted, so assume nothing is bound (it stays its tenant's). */
  void failed() {
    state.clearing = false;
    session().bound = null;
  }

  /**
   * Called after a statement ran. Transaction control sent as SQL text ({@code ROLLBACK TO SAVEPOINT},
   * {@code COMMIT; BEGIN}, a procedure that commits) may have undone or ended the binding without the JDBC
   * methods seeing it, so the next statement binds again. Over-matching only costs one re-binding. Whether the
   * transaction ended, and with it its tenant, pgjdbc's transaction state tells; without pgjdbc the transaction
   * is assumed to have ended.
   */
  void afterStatement(boolean transactionControl) {
    if (transactionControl) {
      PgTransactionState.Session session = session();
      session.bound = null;
      Object pg = state.pgConnection();
      if (pg == null || PgTransactionState.idle(pg)) {
        session.ended();
      }
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

  /** As {@link #separately(boolean, SqlCall)}, for a call without a result. */
  void separatelyRun(boolean transactionControl, SqlAction call) throws SQLException {
    separately(transactionControl, () -> {
      call.run();
      return Boolean.TRUE;
    });
  }

  /** As {@link #separately}, for a value {@link #beforeStatement()} already returned. */
  <T> T withSeparateBinding(@Nullable String value, SqlCall<T> call) throws SQLException {
    if (value == null) {
      return call.run();
    }
    if (!target.getAutoCommit()) {
      try {
        binder.bind(target, value, state.clearing);
      } catch (SQLException e) {
        failed();
        throw e;
      }
      bound(value);
      return call.run();
    }
    boolean cleared = state.clearing;
    state.clearing = false;
    target.setAutoCommit(false);
    T result;
    try {
      binder.bind(target, value, cleared);
      result = call.run();
      target.commit();
      if (cleared) {
        session().lastTenant = value;
      }
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
  @SuppressWarnings("NullAway") // createArrayOf returns an array, never null (JDBC contract), so array() does too
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
    PgTransactionState.Session session = session();
    try {
      target.commit();
      if (session.clearedFor != null) {
        session.lastTenant = session.clearedFor; // the clearing is committed
      }
    } finally {
      session.ended();
    }
  }

  @Override
  public void setAutoCommit(boolean autoCommit) throws SQLException {
    boolean before = target.getAutoCommit();
    PgTransactionState.Session session = session();
    try {
      target.setAutoCommit(autoCommit);
      if (autoCommit && !before && session.clearedFor != null) {
        session.lastTenant = session.clearedFor; // switching on committed the clearing
      }
    } finally {
      if (before != autoCommit) {
        session.ended(); // switching on commits the open transaction; switching off starts from none
      }
    }
  }

  @Override
  public void rollback() throws SQLException {
    try {
      target.rollback();
    } finally {
      session().ended();
    }
  }

  /** A rollback to a savepoint reverts settings made since it: bind again, in the same tenant's transaction. */
  @Override
  public void rollback(Savepoint savepoint) throws SQLException {
    try {
      target.rollback(savepoint);
    } finally {
      session().bound = null;
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

  /** A JDBC call without a result. */
  @FunctionalInterface
  interface SqlAction {
    void run() throws SQLException;
  }
}
