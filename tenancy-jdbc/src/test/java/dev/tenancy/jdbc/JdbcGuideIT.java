package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.hibernate.TenancyHibernate;
import dev.tenancy.jdbc.hikari.TenancyHikari;
import dev.tenancy.jdbc.verify.IsolationException;
import dev.tenancy.jdbc.verify.IsolationReport;
import dev.tenancy.jdbc.verify.IsolationVerifier;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The examples of README.md and docs/jdbc.md that need a server, compiled and run against PostgreSQL: each region
 * is what the documentation shows (docs-check compares them), and each test checks what the text promises.
 */
@TenancyPostgres
class JdbcGuideIT {

  private TestDatabase db;
  private TestRole app;
  private HikariDataSource pool;
  private DataSource appRoleDataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    app = db.createRole("app");
    db.execute("CREATE TABLE invoices (tenant_id text NOT NULL, id bigint NOT NULL, amount bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id))",
        "CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL)",
        "INSERT INTO invoices VALUES ('acme', 1, 100), ('globex', 1, 1000)",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO " + app.name(),
        "GRANT SELECT ON tenants TO " + app.name());
    // The migration: invoices is tenant-scoped (the quick start applies the same statements again).
    db.execute(TenantPolicy.forTable("invoices").build().statements().toArray(String[]::new));
    pool = Fixtures.pool(app.jdbcUrl(), 2, ConnectionSettings.DIRECT);
    appRoleDataSource = TenantDataSource.wrap(pool);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void quickStart() throws SQLException {
    String url = app.jdbcUrl();
    List<String> tenants = new ArrayList<>();
    try (Connection owner = db.adminDataSource().getConnection(); Statement statement = owner.createStatement()) {
      // @start region="quick-start"
      // migration, as the table owner — never as the application role
      for (String sql : TenantPolicy.forTable("invoices").build().statements()) statement.execute(sql);

      // application
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);                                  // an ordinary role: not owner, not superuser, no BYPASSRLS
      TenancyHikari.apply(ConnectionSettings.DIRECT, config);  // or TRANSACTION_POOLER behind PgBouncer
      TenantDataSource dataSource = TenantDataSource.wrap(new HikariDataSource(config));
      IsolationVerifier.builder(dataSource).build().requireIsolated();   // refuse to start if isolation is not real

      try (TenantScope scope = TenantContext.open(TenantId.of("acme"));
           Connection connection = dataSource.getConnection();
           ResultSet rows = connection.createStatement().executeQuery("SELECT tenant_id FROM invoices")) {
        while (rows.next()) tenants.add(rows.getString(1));   // acme's rows only
      }
      // @end region="quick-start"
      dataSource.unwrap(HikariDataSource.class).close();
    }
    assertThat(tenants).containsExactly("acme");
  }

  @Test
  void verifierAsTheApplicationRole() throws SQLException {
    DataSource appDataSource = appRoleDataSource;
    // @start region="verifier"
    IsolationReport report = IsolationVerifier.builder(appDataSource)   // connects as the APPLICATION role
        .exemptTables("public.tenants")          // tables deliberately shared by all tenants
        .build()
        .requireIsolated();                       // throws IsolationException on any ERROR; logs WARNINGs
    // @end region="verifier"
    assertThat(report.hasErrors()).isFalse();
  }

  @Test
  void startupRefusesALeakySchema() {
    // A tenant table without a policy: startup must fail.
    db.execute("CREATE TABLE notes (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
        "GRANT SELECT ON notes TO " + app.name());
    DataSource dataSource = appRoleDataSource;
    IsolationException thrown = null;
    try {
      // @start region="startup"
      try {
        IsolationVerifier.builder(dataSource).exemptTables("public.tenants").build().requireIsolated();
      } catch (IsolationException e) {
        // e.getMessage() lists every finding with its fix; e.report() has them as data
        throw e;   // let startup fail
      }
      // @end region="startup"
    } catch (IsolationException e) {
      thrown = e;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    assertThat(thrown).isNotNull();
    assertThat(thrown.report().hasErrors()).isTrue();
    assertThat(thrown.getMessage()).contains("notes");
  }

  // @start region="verifier-test"
  @Test
  void migratedSchemaIsolatesTenants() throws SQLException {
    IsolationReport report = IsolationVerifier.builder(appRoleDataSource)
        .exemptTables("public.tenants")
        .build()
        .verify();
    assertThat(report.errors()).isEmpty();
  }
  // @end region="verifier-test"

  @Test
  void hibernate() {
    // @start region="hibernate"
    Configuration configuration = new Configuration().addAnnotatedClass(Invoice.class);
    configuration.getProperties().putAll(TenancyHibernate.settings(TenantDataSource.wrap(pool)));
    SessionFactory sessions = configuration.buildSessionFactory();
    // @end region="hibernate"
    try (sessions; TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
      Invoice found = sessions.fromTransaction(session -> session.find(Invoice.class, 1L));
      Long visible = sessions.fromTransaction(session ->
          session.createNativeQuery("SELECT count(*) FROM invoices", Long.class).getSingleResult());
      assertThat(found).isNotNull();
      assertThat(visible).isEqualTo(1L);
    }
  }
}
