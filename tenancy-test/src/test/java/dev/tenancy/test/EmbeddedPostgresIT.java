package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.test.internal.PostgresServer;
import dev.tenancy.test.internal.PostgresServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The last-resort server must really start on a machine like CI's, whatever the environment variables say. */
class EmbeddedPostgresIT {

  @Test
  void embeddedPostgresStartsAndServesTestDatabasesAndRoles() throws SQLException {
    PostgresServer server = PostgresServers.startEmbedded();
    assertThat(server.source()).isEqualTo("embedded PostgreSQL");
    try (TestDatabase db = TestDatabase.create(server)) {
      TestRole app = db.createRole("app");
      try (Connection c = app.dataSource().getConnection(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT version(), current_user")) {
        rs.next();
        assertThat(rs.getString(1)).startsWith("PostgreSQL 17");
        assertThat(rs.getString(2)).isEqualTo(app.name());
      }
    }
  }
}
