package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Reads pgjdbc's view of the transaction state, which follows the server's ReadyForQuery messages: it tells a
 * transaction ended by SQL text ({@code COMMIT} sent as a statement) that the JDBC methods never saw.
 * pgjdbc is optional; without it the binding relies on the JDBC commit/rollback calls alone.
 */
final class PgTransactionState {

  private static final boolean PGJDBC = present();

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
  static Object unwrap(Connection connection) {
    if (!PGJDBC) {
      return null;
    }
    try {
      return connection.isWrapperFor(BaseConnection.class) ? connection.unwrap(BaseConnection.class) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /** True when no transaction is open on the server, so the next statement starts a new one. */
  static boolean idle(Object pgConnection) {
    return pgConnection != null
        && ((BaseConnection) pgConnection).getTransactionState() == TransactionState.IDLE;
  }
}
