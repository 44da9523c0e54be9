package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.internal.PgJdbc;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Detects a transaction-mode pooler by running two transactions on one JDBC connection and comparing
 * {@code pg_backend_pid()}.
 *
 * <p>A lone idle client behind PgBouncer usually gets the server connection it just released back, so two
 * transactions in a row would often report the same backend and hide the pooler. While the second transaction
 * runs, the probe therefore holds a second JDBC connection inside an open transaction: behind a transaction
 * pooler that pins the just-released server connection (PgBouncer reuses the most recently released one), so the
 * first connection's second transaction must run on another backend. With a pool of one server connection it
 * cannot run at all until the holder finishes; the network timeout turns that wait into a positive answer instead
 * of a deadlock. Connected directly, or through a session-mode pooler, both transactions run on the same backend.
 */
final class PoolerProbe {

  private static final String BACKEND_PID = "select pg_backend_pid()";
  private static final Executor SAME_THREAD = Runnable::run;

  private PoolerProbe() {}

  static PoolerDetection detect(DataSource dataSource, Duration timeout) throws SQLException {
    try (Connection first = dataSource.getConnection()) {
      OptionalInt threshold = PgJdbc.prepareThreshold(first);
      try {
        return probe(dataSource, first, threshold, timeout);
      } catch (SQLException e) {
        if (!isStatementClash(e)) {
          throw e;
        }
        return PoolerDetection.statementClash(threshold, "the server answered '" + e.getMessage() + "' to the"
            + " probe: pgjdbc's named prepared statements are reaching server connections that did not prepare"
            + " them, which happens only behind a transaction-mode pooler");
      }
    }
  }

  /**
   * Whether the server reported a named prepared statement that already exists (42P05) or does not exist (26000):
   * pgjdbc names statements per client connection, so a clash means server connections are being shared.
   */
  static boolean isStatementClash(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql
          && ("42P05".equals(sql.getSQLState()) || "26000".equals(sql.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  private static PoolerDetection probe(DataSource dataSource, Connection first, OptionalInt threshold,
      Duration timeout) throws SQLException {
    boolean autoCommit = first.getAutoCommit();
    int networkTimeout = first.getNetworkTimeout();
    try {
      first.setAutoCommit(false);
      int firstPid = backendPid(first);
      first.commit();
      Connection holder = secondConnection(dataSource);
      if (holder == null) {
        int secondPid = backendPid(first);
        first.commit();
        return PoolerDetection.probed(firstPid != secondPid, firstPid, secondPid, threshold,
            describe(firstPid, secondPid) + " (no second connection could be opened to hold the pool, so a"
                + " pooler that returns the same server connection to an idle client may go unnoticed)");
      }
      try (holder) {
        boolean holderAutoCommit = holder.getAutoCommit();
        holder.setAutoCommit(false);
        int holderPid = backendPid(holder);
        int secondPid;
        try {
          first.setNetworkTimeout(SAME_THREAD, Math.toIntExact(timeout.toMillis()));
          secondPid = backendPid(first);
          first.commit();
        } catch (SQLException e) {
          if (!timedOut(e)) {
            throw e;
          }
          return PoolerDetection.probed(true, firstPid, -1, threshold, "a second transaction on the connection"
              + " that had used backend " + firstPid + " waited more than " + timeout.toMillis() + " ms while"
              + " another connection held backend " + holderPid + " in a transaction, so both share a pooled"
              + " server connection");
        } finally {
          holder.rollback();
          holder.setAutoCommit(holderAutoCommit);
        }
        return PoolerDetection.probed(firstPid != secondPid, firstPid, secondPid, threshold,
            describe(firstPid, secondPid) + " while another connection held backend " + holderPid
                + " in a transaction");
      }
    } finally {
      restore(first, autoCommit, networkTimeout);
    }
  }

  private static @Nullable Connection secondConnection(DataSource dataSource) {
    try {
      return dataSource.getConnection();
    } catch (SQLException e) {
      // A pool capped at one connection: fall back to the weaker single-connection comparison.
      return null;
    }
  }

  private static String describe(int firstPid, int secondPid) {
    return firstPid == secondPid
        ? "two transactions on one connection both ran on backend " + firstPid
        : "two transactions on one connection ran on backends " + firstPid + " and " + secondPid;
  }

  private static int backendPid(Connection connection) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(BACKEND_PID);
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static boolean timedOut(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static void restore(Connection connection, boolean autoCommit, int networkTimeout) {
    try {
      if (!connection.isClosed()) {
        connection.rollback();
        connection.setNetworkTimeout(SAME_THREAD, networkTimeout);
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      // The probe's answer stands; a pool discards a connection it cannot reset.
    }
  }
}
