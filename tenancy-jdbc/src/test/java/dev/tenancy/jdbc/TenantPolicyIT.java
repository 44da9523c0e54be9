package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated policy on a real server, used by an ordinary application role. The tests share one database for
 * the class, each with tables of its own names.
 */
@TenancyPostgres
class TenantPolicyIT {

  private static TestDatabase db;
  private static TestRole appRole;

  @BeforeAll
  static void createAppRole(TestDatabase classDatabase) {
    db = classDatabase;
    appRole = db.createRole("app");
  }

  @Test
  void applyingTheStatementsTwiceLeavesOnePolicyAndTheSameState() throws SQLException {
    db.execute("CREATE TABLE twice (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
    TenantPolicy policy = TenantPolicy.forTable("public.twice").build();

    db.execute(policy.statements().toArray(String[]::new));
    db.execute(policy.statements().toArray(String[]::new));

    assertThat(query("SELECT polname || ':' || polcmd::text || ':' || polpermissive FROM pg_policy"
        + " WHERE polrelid = 'twice'::regclass")).containsExactly("tenancy_isolation:*:true");
    assertThat(query("SELECT relrowsecurity || ':' || relforcerowsecurity FROM pg_class WHERE oid = 'twice'::regclass"))
        .containsExactly("true:true");
    assertThat(query("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'twice'::regclass"))
        .containsExactly("NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text)");
  }

  @Test
  void rowsOfAnotherTenantAreInvisibleAndCannotBeWritten() throws SQLException {
    createProtected("invoices", "text");
    db.execute("INSERT INTO invoices VALUES ('acme', 1, 10), ('acme', 2, 20), ('globex', 3, 30)");

    try (Connection app = appRole.dataSource().getConnection()) {
      app.setAutoCommit(false);
      bind(app, "acme");
      assertThat(ids(app, "SELECT id FROM invoices ORDER BY id")).containsExactly(1L, 2L);
      assertThat(update(app, "UPDATE invoices SET amount = 0 WHERE id = 3")).isZero();
      assertThat(update(app, "DELETE FROM invoices WHERE tenant_id = 'globex'")).isZero();
      assertThat(update(app, "INSERT INTO invoices (id, amount) VALUES (4, 40)")).isOne();
      app.commit();

      bind(app, "acme");
      assertRejectedByPolicy(() -> update(app, "INSERT INTO invoices VALUES ('globex', 5, 50)"));
      app.rollback();
      bind(app, "acme");
      assertRejectedByPolicy(() -> update(app, "UPDATE invoices SET tenant_id = 'globex' WHERE id = 1"));
      app.rollback();
    }
    assertThat(query("SELECT tenant_id || ':' || id || ':' || amount FROM invoices ORDER BY id"))
        .containsExactly("acme:1:10", "acme:2:20", "globex:3:30", "acme:4:40");
  }

  @Test
  void withoutATenantNoRowIsVisibleAndNoRowCanBeWritten() throws SQLException {
    createProtected("orders", "text");
    db.execute("INSERT INTO orders VALUES ('acme', 1, 10), ('globex', 2, 20)");

    try (Connection app = appRole.dataSource().getConnection()) {
      app.setAutoCommit(false);
      assertThat(ids(app, "SELECT id FROM orders")).isEmpty();
      assertThat(update(app, "UPDATE orders SET amount = 0")).isZero();
      assertThat(update(app, "DELETE FROM orders")).isZero();
      assertRejectedByPolicy(() -> update(app, "INSERT INTO orders VALUES ('acme', 3, 30)"));
      app.rollback();
    }
    assertThat(query("SELECT count(*) FROM orders")).containsExactly("2");
  }

  @Test
  void theEmptySettingLeftByACommitYieldsNoRowsAndNoCastError() throws SQLException {
    createProtected("payments", "uuid");
    String acme = "0b8f6c1e-5f7a-4a52-9c9e-3f4f0d5f2a11";
    db.execute("INSERT INTO payments VALUES ('" + acme + "', 1, 10)");

    try (Connection app = appRole.dataSource().getConnection()) {
      app.setAutoCommit(false);
      bind(app, acme);
      assertThat(ids(app, "SELECT id FROM payments")).containsExactly(1L);
      app.commit();

      // After the commit the transaction-local setting reads '' (not NULL) on this session.
      assertThat(single(app, "SELECT current_setting('tenancy.tenant_id', true)")).isEmpty();
      assertThat(ids(app, "SELECT id FROM payments")).isEmpty();
      assertRejectedByPolicy(() -> update(app, "INSERT INTO payments (id, amount) VALUES (2, 20)"));
      app.rollback();
    }
  }

  @Test
  void aLookupByIdUsesTheTenantIndexWithAnInitPlanNotASeqScan() throws SQLException {
    TenantPolicy policy = TenantPolicy.forTable("public.ledger").build();
    db.execute("CREATE TABLE ledger (tenant_id text NOT NULL, id bigint NOT NULL, amount bigint NOT NULL)",
        "INSERT INTO ledger SELECT 't' || (g % 50), g, g * 7 FROM generate_series(1, 50000) g",
        policy.indexStatement("id"),
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ledger TO " + appRole.name(),
        "ANALYZE ledger");
    db.execute(policy.statements().toArray(String[]::new));

    try (Connection app = appRole.dataSource().getConnection()) {
      app.setAutoCommit(false);
      bind(app, "t7");
      List<String> plan = new ArrayList<>();
      try (PreparedStatement explain = app.prepareStatement("EXPLAIN SELECT amount FROM ledger WHERE id = ?")) {
        explain.setLong(1, 4007);
        try (ResultSet rows = explain.executeQuery()) {
          while (rows.next()) {
            plan.add(rows.getString(1));
          }
        }
      }
      String text = String.join("\n", plan);
      assertThat(text).contains("Index Scan using ledger_tenant_id_id_idx on ledger").contains("InitPlan")
          .doesNotContain("Seq Scan");
      assertThat(ids(app, "SELECT amount FROM ledger WHERE id = 4007")).containsExactly(4007L * 7);
      assertThat(ids(app, "SELECT amount FROM ledger WHERE id = 4008")).isEmpty();
      app.rollback();
    }
  }

  private static void createProtected(String table, String type) {
    db.execute("CREATE TABLE " + table + " (tenant_id " + type + " NOT NULL, id bigint NOT NULL, amount bigint,"
            + " PRIMARY KEY (tenant_id, id))",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO " + appRole.name());
    db.execute(TenantPolicy.forTable(table).columnType(type).build().statements().toArray(String[]::new));
  }

  private static void bind(Connection connection, String tenant) throws SQLException {
    // The binding TenantDataSource sends: the tenant and the transaction's stamp.
    try (PreparedStatement statement = connection.prepareStatement("SELECT set_config(?, ?, true), "
        + "set_config(? || '_stamp', extract(epoch from transaction_timestamp())::text, true)")) {
      statement.setString(1, TenantPolicy.DEFAULT_SETTING);
      statement.setString(2, tenant);
      statement.setString(3, TenantPolicy.DEFAULT_SETTING);
      statement.execute();
    }
  }

  private static List<Long> ids(Connection connection, String sql) throws SQLException {
    List<Long> result = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(rows.getLong(1));
      }
    }
    return result;
  }

  private static String single(Connection connection, String sql) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static int update(Connection connection, String sql) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      return statement.executeUpdate();
    }
  }

  private static List<String> query(String sql) throws SQLException {
    List<String> result = new ArrayList<>();
    try (Connection admin = db.adminDataSource().getConnection();
        PreparedStatement statement = admin.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(rows.getString(1));
      }
    }
    return result;
  }

  private interface SqlAction {
    void run() throws SQLException;
  }

  private static void assertRejectedByPolicy(SqlAction action) {
    assertThatThrownBy(action::run).isInstanceOf(SQLException.class)
        .hasMessageContaining("violates row-level security policy")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
  }
}
