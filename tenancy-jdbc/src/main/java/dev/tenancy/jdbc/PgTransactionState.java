package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.WeakHashMap;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.jspecify.annotations.Nullable;

/**
 * Reads pgjdbc's view of the server session: its transaction state, which follows the server's ReadyForQuery
 * messages and so tells a transaction ended by SQL text ({@code COMMIT} sent as a statement) that the JDBC methods
 * never saw; and the identity of the physical connection, which keys what is bound on it, so that several handles
 * over one server session (a JTA pool, Spring's {@code TransactionAwareDataSourceProxy}) share one record.
 * pgjdbc is optional; without it the binding relies on the JDBC commit/rollback calls alone and keeps its record
 * per handle.
 */
final class PgTransactionState {

  private static final boolean PGJDBC = present();

  /**
   * What is bound on each physical pgjdbc connection. Weak keys: a closed physical connection is forgotten with
   * it. pgjdbc's connection does not override {@code equals}, so this compares identities.
   */
  private static final Map<Object, Session> SESSIONS = new WeakHashMap<>();

  private PgTransactionState() {}

  private static boolean present() {
    try {
      Class.forName("org.postgresql.core.BaseConnection", false, PgTransactionState.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Returns the pgjdbc connection under {@code connection}, or null when it is not one. */
  static @Nullable Object unwrap(Connection connection) {
    if (!PGJDBC) {
      return null;
    }
    try {
      return connection.isWrapperFor(BaseConnection.class) ? connection.unwrap(BaseConnection.class) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * The record of what is bound on the server session under {@code pgConnection}, shared by every handle over
   * it; a new record of its own when the physical connection is unknown (null).
   */
  static Session session(@Nullable Object pgConnection) {
    if (pgConnection == null) {
      return new Session();
    }
    synchronized (SESSIONS) {
      return SESSIONS.computeIfAbsent(pgConnection, c -> new Session());
    }
  }

  /** True when no transaction is open on the server, so the next statement starts a new one. */
  static boolean idle(@Nullable Object pgConnection) {
    return pgConnection != null
        && ((BaseConnection) pgConnection).getTransactionState() == TransactionState.IDLE;
  }

  /**
   * What is bound on one server session. Not thread-safe: like the connection itself, used by one thread at a
   * time (handles over one physical connection take turns on it).
   */
  static final class Session {
    /** The tenant value (or '' for none) bound on the server in the open transaction; null when not bound. */
    @Nullable String bound;
    /**
     * The tenant value the open transaction belongs to; null when no transaction is open or it has run nothing
     * yet. Unlike {@link #bound} it survives what undoes a binding inside the transaction (a failed statement, a
     * rollback to a savepoint): the transaction stays this tenant's until it ends.
     */
    @Nullable String owner;
    /**
     * The tenant value whose transactions last ran on the session with its session objects cleared before them;
     * null when unknown (a new session, or a session seen without pgjdbc), which counts as another tenant.
     */
    @Nullable String lastTenant;
    /** The tenant whose binding cleared the session objects in the open transaction; null when none did. */
    @Nullable String clearedFor;

    /** The transaction ended: nothing is bound and the next transaction may belong to anyone. */
    void ended() {
      bound = null;
      owner = null;
      clearedFor = null;
    }
  }
}
