package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.test.internal.PgBouncerEndpoint;
import dev.tenancy.test.internal.PgBouncers;
import dev.tenancy.test.internal.PostgresServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PgBouncer the kit starts from a local binary (the fallback without an environment variable or Docker) must
 * run as root, pool by transaction and let roles created after it started log in.
 */
@TenancyPgBouncer
class ManagedPgBouncerIT {

  @Test
  void aKitStartedPgBouncerPoolsByTransactionAndKnowsRolesCreatedLater(TestDatabase db) throws SQLException {
    PgBouncerEndpoint endpoint = PgBouncers.startBinary(PostgresServers.shared());
    TestPgBouncer bouncer = TestPgBouncer.of(endpoint);
    assertThat(PgBouncerFixtureIT.showConfig(bouncer, db).get("pool_mode")).isEqualTo("transaction");

    TestRole app = db.createRole("app");
    // Listed right away: createRole rewrote the auth file and sent RELOAD before returning; a role found through
    // auth_query would only appear after its first login.
    assertThat(users(bouncer, db)).contains(app.name());
    try (Connection c = bouncer.dataSource(db, app).getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(app.name());
    }
    try (Connection mine = bouncer.dataSource(db, app).getConnection();
        Connection other = bouncer.dataSource(db, app).getConnection()) {
      mine.setAutoCommit(false);
      other.setAutoCommit(false);
      int first = PgBouncerFixtureIT.backendPid(mine);
      mine.commit();
      PgBouncerFixtureIT.backendPid(other);
      int second = PgBouncerFixtureIT.backendPid(mine);
      mine.commit();
      other.commit();
      assertThat(second).isNotEqualTo(first);
    }
  }

  private static List<String> users(TestPgBouncer bouncer, TestDatabase db) {
    return PgBouncerFixtureIT.admin(bouncer, db, "SHOW USERS").stream().map(row -> row.get("name")).toList();
  }
}
