package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

// The README's quick start, compiled and run.
// @start region="quick-start"
@TenancyPostgres
class InvoiceIsolationIT {
  @Test
  void aCreatedRoleCanConnect(TestDatabase db) throws SQLException {
    db.execute("CREATE TABLE invoices (tenant_id text NOT NULL, amount int NOT NULL)");
    TestRole app = db.createRole("app");          // LOGIN NOSUPERUSER NOBYPASSRLS, dropped after the test
    try (Connection c = app.dataSource().getConnection()) {
      assertThat(c.getMetaData().getUserName()).isEqualTo(app.name());
    }
  }
}
// @end region="quick-start"
