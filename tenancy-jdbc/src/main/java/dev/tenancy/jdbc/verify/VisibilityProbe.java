package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.internal.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Checks policies by behaviour: inside the verifier's read-only transaction (rolled back afterwards) it binds no
 * tenant, then an unknown random tenant with this transaction's stamp, and asks each tenant table the application
 * role can read for one row. Any row seen is a policy that admits rows of no bound tenant. An empty table proves
 * nothing, which is why policies are also judged by their text; this catches what text rules cannot foresee.
 */
final class VisibilityProbe {

  private VisibilityProbe() {}

  /**
   * Runs the probe on {@code connection}, which must be in an open transaction the caller rolls back.
   *
   * @return per table oid, a description of the binding under which rows were visible
   */
  static Map<Long, String> run(Connection connection, String setting, Collection<Catalog.Table> tables)
      throws SQLException {
    Map<Long, String> visible = new LinkedHashMap<>();
    if (tables.stream().noneMatch(Catalog.Table::appSelects)) {
      return visible;
    }
    try (Statement statement = connection.createStatement()) {
      // A table locked by a migration must not stall startup; a timed-out probe proves nothing and is skipped.
      statement.execute("SET LOCAL lock_timeout = '1s'");
      statement.execute("SET LOCAL statement_timeout = '5s'");
    }
    bind(connection, setting, "", "");
    probe(connection, tables, "no tenant", visible);
    for (Catalog.Table table : tables) {
      String unknown = unknownTenant(table.columnType());
      if (unknown != null && table.appSelects() && !visible.containsKey(table.oid())) {
        bindStamped(connection, setting, unknown);
        probe(connection, java.util.List.of(table), "an unknown tenant '" + unknown + "'", visible);
      }
    }
    return visible;
  }

  private static void probe(Connection connection, Collection<Catalog.Table> tables, String binding,
      Map<Long, String> visible) throws SQLException {
    for (Catalog.Table table : tables) {
      if (!table.appSelects() || visible.containsKey(table.oid())) {
        continue;
      }
      Savepoint savepoint = connection.setSavepoint();
      try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM " + table.qualified()
          + " LIMIT 1");
          ResultSet rows = statement.executeQuery()) {
        if (rows.next()) {
          visible.put(table.oid(), binding);
        }
        connection.releaseSavepoint(savepoint);
      } catch (SQLException e) {
        // Fail closed (a cast error, a lock or statement timeout): nothing was shown, nothing to report.
        connection.rollback(savepoint);
      }
    }
  }

  private static void bind(Connection connection, String setting, String tenant, String stamp) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT set_config(?, ?, true), set_config(?, ?, true)")) {
      statement.setString(1, setting);
      statement.setString(2, tenant);
      statement.setString(3, Settings.stampOf(setting));
      statement.setString(4, stamp);
      statement.execute();
    }
  }

  private static void bindStamped(Connection connection, String setting, String tenant) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT set_config(?, ?, true),"
        + " set_config(?, extract(epoch from transaction_timestamp())::text, true)")) {
      statement.setString(1, setting);
      statement.setString(2, tenant);
      statement.setString(3, Settings.stampOf(setting));
      statement.execute();
    }
  }

  /** A tenant value of the column's type that no real tenant has, or null for types it cannot make up. */
  static @Nullable String unknownTenant(String columnType) {
    String type = columnType.toLowerCase(Locale.ROOT);
    if (type.equals("uuid")) {
      return UUID.randomUUID().toString();
    }
    if (type.equals("bigint") || type.equals("integer") || type.equals("smallint")) {
      return Integer.toString(-1 - ThreadLocalRandom.current().nextInt(Short.MAX_VALUE));
    }
    if (type.equals("text") || type.startsWith("character varying")) {
      return "tenancy-verifier-" + Long.toHexString(ThreadLocalRandom.current().nextLong()).substring(0, 6);
    }
    return null;
  }
}
