package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TenancyPostgres
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresFixtureIT {
  private static String firstDatabase;
  private static String firstRole;
  private TestDatabase fromBeforeEach;

  @BeforeEach
  void rememberDatabase(TestDatabase db) {
    fromBeforeEach = db;
  }

  @Test
  @Order(1)
  void aTestGetsAnEmptyDatabaseOfItsOwnSharedWithItsBeforeEach(TestDatabase db) throws SQLException {
    assertThat(db).isSameAs(fromBeforeEach);
    assertThat(db.name()).startsWith("tenancy_");
    assertThat(query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).isEqualTo("0");
    db.execute("CREATE TABLE marker (id int)", "INSERT INTO marker VALUES (1)");
    firstDatabase = db.name();
    firstRole = db.createRole("leftover").name();
  }

  @Test
  @Order(2)
  void theNextTestGetsAnotherDatabaseAndTheFirstOneIsDropped(TestDatabase db) throws SQLException {
    assertThat(firstDatabase).as("first test ran").isNotNull();
    assertThat(db.name()).isNotEqualTo(firstDatabase);
    assertThat(query(db, "SELECT to_regclass('public.marker') IS NULL")).isEqualTo("t");
    assertThat(query(db, "SELECT count(*) FROM pg_database WHERE datname = '" + firstDatabase + "'")).isEqualTo("0");
    assertThat(query(db, "SELECT count(*) FROM pg_roles WHERE rolname = '" + firstRole + "'")).isEqualTo("0");
  }

  @Test
  @Order(3)
  void aCreatedRoleCanConnectButIsNoSuperuserAndCannotBypassRls(TestDatabase db) throws SQLException {
    TestRole app = db.createRole("app");
    assertThat(app.name()).matches("app_[0-9a-f]{12}");
    assertThat(app.jdbcUrl()).isEqualTo(db.jdbcUrl(app));
    assertThat(query(db, "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles"
        + " WHERE rolname = '" + app.name() + "'")).isEqualTo("f,f,f,f,t");
    try (Connection c = app.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(app.name());
      assertThat(rs.getString(2)).isEqualTo(db.name());
    }
    assertThat(app.toString()).doesNotContain(app.password());
  }

  @Test
  @Order(4)
  void rowLevelSecurityAppliesToACreatedRole(TestDatabase db) throws SQLException {
    TestRole app = db.createRole("app");
    db.execute(
        "CREATE TABLE invoices (tenant_id text NOT NULL, amount int NOT NULL)",
        "INSERT INTO invoices VALUES ('acme', 1), ('globex', 2)",
        "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY by_tenant ON invoices USING (tenant_id = current_setting('app.tenant_id', true))",
        "GRANT SELECT ON invoices TO " + app.name());
    try (Connection c = app.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT set_config('app.tenant_id', 'acme', false)");
      try (ResultSet rs = s.executeQuery("SELECT string_agg(tenant_id, ',') FROM invoices")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("acme");
      }
    }
  }

  @Test
  @Order(5)
  void aFailingStatementIsNamedInTheError(TestDatabase db) {
    assertThatThrownBy(() -> db.execute("SELECT 1", "SELEC oops"))
        .isInstanceOf(TestKitException.class)
        .hasMessageContaining("SELEC oops")
        .hasMessageContaining(db.name());
  }

  @Test
  @Order(6)
  void malformedRolePrefixesAreRejected(TestDatabase db) {
    assertThatThrownBy(() -> db.createRole("App; DROP")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("App; DROP");
  }

  @Test
  @Order(7)
  void leakedConnectionsDoNotStopTheDrop() throws SQLException {
    TestDatabase db = TestDatabase.create();
    TestRole app = db.createRole("leaky");
    Connection leaked = app.dataSource().getConnection();
    leaked.setAutoCommit(false);
    leaked.createStatement().execute("SELECT 1");
    db.close();
    try (TestDatabase other = TestDatabase.create()) {
      assertThat(query(other, "SELECT count(*) FROM pg_database WHERE datname = '" + db.name() + "'"))
          .isEqualTo("0");
    }
    assertThat(leaked.isValid(1)).isFalse();
  }

  static String query(TestDatabase db, String sql) throws SQLException {
    try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      StringBuilder row = new StringBuilder();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        row.append(i > 1 ? "," : "").append(rs.getString(i));
      }
      return row.toString();
    }
  }
}
