package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static dev.tenancy.jdbc.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.verify.Finding;
import dev.tenancy.jdbc.verify.IsolationReport;
import dev.tenancy.jdbc.verify.IsolationVerifier;
import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestPgBouncer;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binding and the verifier's pooler checks through a real PgBouncer in transaction mode. */
@TenancyPgBouncer
class PgBouncerIT {

  private TestDatabase db;
  private TestRole app;
  private TestPgBouncer pgbouncer;
  private HikariDataSource pool;

  @BeforeEach
  void setUp(TestDatabase db, TestPgBouncer pgbouncer) {
    this.db = db;
    this.pgbouncer = pgbouncer;
    app = Fixtures.invoices(db);
    pool = Fixtures.pool(pgbouncer.jdbcUrl(db, app), 3, ConnectionSettings.TRANSACTION_POOLER);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void transactionBindingConfinesEveryTransactionBehindThePooler() throws SQLException {
    TenantDataSource dataSource = TenantDataSource.builder(pool).behindTransactionPooler().build();
    for (int round = 0; round < 50; round++) {
      try (TenantScope scope = TenantContext.open(round % 2 == 0 ? ACME : GLOBEX);
           Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(round % 3 == 0);
        assertThat(rows(connection, "SELECT DISTINCT tenant_id FROM invoices"))
            .containsExactly(round % 2 == 0 ? "acme" : "globex");
        if (!connection.getAutoCommit()) {
          connection.commit();
        }
      }
    }
  }

  @Test
  void verifierDetectsThePoolerAndMakesTemporaryTablesAnError() throws SQLException {
    IsolationReport report = IsolationVerifier.builder(TenantDataSource.wrap(pool)).build().verify();

    assertThat(report.poolerDetection()).hasValueSatisfying(d -> assertThat(d.transactionPoolerDetected()).isTrue());
    assertThat(report.findings(Finding.Kind.TEMPORARY_ON_DATABASE)).singleElement().satisfies(finding -> {
      assertThat(finding.severity()).isEqualTo(Finding.Severity.ERROR);
      assertThat(finding.message()).contains("REVOKE TEMPORARY ON DATABASE").contains("transaction-mode pooler");
    });
    assertThat(report.findings(Finding.Kind.PREPARE_THRESHOLD_BEHIND_POOLER)).isEmpty();
    assertThat(report.hasErrors()).isTrue();
  }

  @Test
  void verifierWarnsAboutServerSidePreparedStatementsBehindThePooler() throws SQLException {
    String url = pgbouncer.jdbcUrl(db, app).replace("prepareThreshold=0", "prepareThreshold=5");
    try (HikariDataSource prepared = Fixtures.pool(url, 3, ConnectionSettings.DIRECT)) {
      IsolationReport report = IsolationVerifier.builder(prepared).build().verify();
      assertThat(report.poolerDetection()).hasValueSatisfying(d -> assertThat(d.transactionPoolerDetected()).isTrue());
      assertThat(report.findings(Finding.Kind.PREPARE_THRESHOLD_BEHIND_POOLER)).hasSize(1);
    }
  }

  @Test
  void directConnectionsAreNotMistakenForAPooler() throws SQLException {
    db.execute("REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC");
    try (HikariDataSource direct = Fixtures.pool(app.jdbcUrl(), 3, ConnectionSettings.DIRECT)) {
      IsolationReport report = IsolationVerifier.builder(TenantDataSource.wrap(direct)).build().verify();
      assertThat(report.poolerDetection()).hasValueSatisfying(d -> assertThat(d.transactionPoolerDetected()).isFalse());
      assertThat(report.isClean()).as(report.toString()).isTrue();
    }
  }
}
