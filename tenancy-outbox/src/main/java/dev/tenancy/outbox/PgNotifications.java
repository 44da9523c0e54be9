package dev.tenancy.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** LISTEN on a direct connection; the only class that touches pgjdbc, so the driver stays optional elsewhere. */
final class PgNotifications {
  private static final long CHECK_STOP_MILLIS = 200;

  private PgNotifications() {
  }

  static void listen(Connection c, String channel, Duration poll, Runnable onNotify, BooleanSupplier running)
      throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + channel);
    }
    // A wake-up right after LISTEN covers events committed before it took effect.
    onNotify.run();
    // The wait only decides how soon a stopping relay is noticed, not how soon workers wake: keep it short, so that
    // close() does not wait out a long poll interval.
    int timeout = (int) Math.max(1, Math.min(CHECK_STOP_MILLIS, poll.toMillis()));
    while (running.getAsBoolean()) {
      PGNotification[] n = pg.getNotifications(timeout);
      if (n != null && n.length > 0) {
        onNotify.run();
      }
    }
  }
}
