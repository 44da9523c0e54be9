package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static dev.tenancy.jdbc.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Session objects acme's checkout leaves behind; globex's next checkout must not reach them. */
final class SessionObjectsLeft {

  private SessionObjectsLeft() {}

  /** Acme leaves a temporary table with its rows; globex's next checkout finds no such table. */
  static void assertTemporaryTableNotReadByTheNextTenant(DataSource dataSource) throws SQLException {
    assertNotReadByTheNextTenant(dataSource, "CREATE TEMP TABLE IF NOT EXISTS scratch AS SELECT * FROM invoices",
        "SELECT tenant_id || ':' || id FROM scratch", "globex read %s from acme's temporary table", "42P01");
  }

  /** Acme leaves a {@code WITH HOLD} cursor open; globex's next checkout finds no such cursor. */
  static void assertHoldableCursorNotReadByTheNextTenant(DataSource dataSource) throws SQLException {
    assertNotReadByTheNextTenant(dataSource, "DECLARE leftover CURSOR WITH HOLD FOR SELECT tenant_id FROM invoices",
        "FETCH ALL FROM leftover", "globex read %s through acme's holdable cursor", "34000");
  }

  private static void assertNotReadByTheNextTenant(DataSource dataSource, String leave, String read,
      String description, String sqlState) throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.createStatement().execute(leave);
    }
    try (TenantScope scope = TenantContext.open(GLOBEX); Connection connection = dataSource.getConnection()) {
      List<String> seen = new ArrayList<>();
      assertThatThrownBy(() -> seen.addAll(rows(connection, read)))
          .as(description, seen)
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(sqlState));
    }
  }
}
