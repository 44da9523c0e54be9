package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import dev.tenancy.test.internal.PgBouncerAdmin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@TenancyPgBouncer
class PgBouncerFixtureIT {

  @Test
  void theAdminConsoleReportsTransactionPooling(TestPgBouncer bouncer, TestDatabase db) {
    assertThat(showConfig(bouncer, db).get("pool_mode")).isEqualTo("transaction");
    assertThat(bouncer.jdbcUrl(db)).contains("prepareThreshold=0");
  }

  @Test
  void consecutiveTransactionsOfOneConnectionRunOnDifferentServerConnections(TestPgBouncer bouncer, TestDatabase db)
      throws SQLException {
    TestRole app = db.createRole("app");
    try (Connection mine = bouncer.dataSource(db, app).getConnection();
        Connection other = bouncer.dataSource(db, app).getConnection()) {
      mine.setAutoCommit(false);
      other.setAutoCommit(false);
      int first = backendPid(mine);
      mine.commit();
      // PgBouncer hands the server connection just released to the next client that needs one...
      int otherPid = backendPid(other);
      // ...so while that client holds its transaction open, our next transaction must get another one.
      int second = backendPid(mine);
      mine.commit();
      other.commit();
      assertThat(otherPid).isEqualTo(first);
      assertThat(second).isNotEqualTo(first);
    }
  }

  @Test
  void aRoleCreatedDuringTheTestLogsInThroughPgBouncer(TestPgBouncer bouncer, TestDatabase db) throws SQLException {
    TestRole app = db.createRole("app");
    try (Connection c = bouncer.dataSource(db, app).getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database(), inet_server_port()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(app.name());
      assertThat(rs.getString(2)).isEqualTo(db.name());
    }
    try (Connection c = DriverManager.getConnection(bouncer.jdbcUrl(db, app)); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(app.name());
    }
  }

  @Test
  void sessionStateLeaksBetweenClientsAsInProduction(TestPgBouncer bouncer, TestDatabase db) throws SQLException {
    // Documents why the fixture exists: a plain SET outlives its client under transaction pooling.
    TestRole app = db.createRole("app");
    try (Connection a = bouncer.dataSource(db, app).getConnection(); Statement s = a.createStatement()) {
      s.execute("SET application_name = 'x'"); // tracked by PgBouncer, so not the leak
      s.execute("SELECT set_config('app.tenant_id', 'acme', false)");
    }
    try (Connection b = bouncer.dataSource(db, app).getConnection(); Statement s = b.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('app.tenant_id', true)")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("acme");
    }
  }

  static int backendPid(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static Map<String, String> showConfig(TestPgBouncer bouncer, TestDatabase db) {
    Map<String, String> config = new HashMap<>();
    for (Map<String, String> row : admin(bouncer, db, "SHOW CONFIG")) {
      config.put(row.get("key"), row.get("value"));
    }
    return config;
  }

  static List<Map<String, String>> admin(TestPgBouncer bouncer, TestDatabase db, String command) {
    // pgJDBC cannot log in to the admin console of PgBouncer 1.18, hence the kit's small console client.
    return PgBouncerAdmin.run(bouncer.host(), bouncer.port(), bouncer.adminUser(db), bouncer.adminPassword(db),
        command);
  }
}
