package dev.tenancy.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalInt;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * The only place that touches pgjdbc's public classes. pgjdbc is an optional dependency, so nothing here may run
 * unless {@link #AVAILABLE} says the driver is on the class path; HotSpot resolves {@code PGConnection} and
 * {@code PSQLException} lazily, on first use inside a method that checked it.
 */
public final class PgJdbc {

  private static final boolean AVAILABLE = isOnClassPath();

  private PgJdbc() {}

  /**
   * Reads pgjdbc's prepareThreshold.
   *
   * @param connection any connection
   * @return the threshold, or empty when the connection is not (and does not wrap) a pgjdbc connection
   */
  public static OptionalInt prepareThreshold(Connection connection) {
    if (!AVAILABLE) {
      return OptionalInt.empty();
    }
    try {
      if (connection.isWrapperFor(PGConnection.class)) {
        return OptionalInt.of(connection.unwrap(PGConnection.class).getPrepareThreshold());
      }
    } catch (SQLException | LinkageError e) {
      // A pool that cannot unwrap, or a driver loaded by another class loader: the threshold is just unknown.
    }
    return OptionalInt.empty();
  }

  /**
   * An error the data source raises itself, of the class the driver raises for the same condition: a
   * {@code PSQLException} with the driver's {@code PSQLState} of that SQLState when pgjdbc is present and has one,
   * else a plain {@link SQLException}.
   *
   * @param message the message
   * @param sqlState the SQLState
   * @return the exception, to throw
   */
  public static SQLException error(String message, String sqlState) {
    if (AVAILABLE) {
      for (PSQLState state : PSQLState.values()) {
        if (state.getState().equals(sqlState)) {
          return new PSQLException(message, state);
        }
      }
    }
    return new SQLException(message, sqlState);
  }

  private static boolean isOnClassPath() {
    try {
      Class.forName("org.postgresql.util.PSQLException", false, PgJdbc.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
