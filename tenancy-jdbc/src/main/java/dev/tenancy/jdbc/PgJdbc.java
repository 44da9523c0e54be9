package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalInt;
import org.postgresql.PGConnection;

/**
 * The only place that touches pgjdbc classes. pgjdbc is an optional dependency, so nothing here may run unless
 * {@link #AVAILABLE} says the driver is on the class path; HotSpot resolves {@code PGConnection} lazily, on first
 * use inside {@link #prepareThreshold(Connection)}.
 */
final class PgJdbc {

  private static final boolean AVAILABLE = isOnClassPath();

  private PgJdbc() {}

  /** pgjdbc's prepareThreshold, or empty when the connection is not (and does not wrap) a pgjdbc connection. */
  static OptionalInt prepareThreshold(Connection connection) {
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

  private static boolean isOnClassPath() {
    try {
      Class.forName("org.postgresql.PGConnection", false, PgJdbc.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
