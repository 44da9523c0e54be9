package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schema and data migrations against a FORCE ROW LEVEL SECURITY schema: Flyway runs as the owner role, never
 * through the application's {@link TenantDataSource}; the owner with no tenant bound sees and changes nothing; a
 * data migration binds one tenant per batch (or runs as a BYPASSRLS role) and checks its row counts.
 */
@TenancyPostgres
class MigrationsIT {

  private TestDatabase db;
  private TestRole owner;
  private TestRole app;

  /** The schema, with the policy {@link TenantPolicy} generates, granted to the application role. */
  static final class V1__Documents extends BaseJavaMigration {
    private final String appRole;

    V1__Documents(String appRole) {
      this.appRole = appRole;
    }

    @Override
    public void migrate(Context context) throws Exception {
      try (Statement statement = context.getConnection().createStatement()) {
        statement.execute("CREATE TABLE documents (tenant_id text NOT NULL, id bigint NOT NULL, "
            + "title text NOT NULL, PRIMARY KEY (tenant_id, id))");
        for (String sql : TenantPolicy.forTable("documents").build().statements()) {
          statement.execute(sql);
        }
        statement.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO " + appRole);
      }
    }
  }

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    owner = db.createRole("owner");
    app = db.createRole("app");
    db.execute("GRANT CREATE ON SCHEMA public TO " + owner.name());
  }

  private Flyway flyway(DataSource dataSource) {
    return Flyway.configure()
        .dataSource(dataSource)
        .javaMigrations(new V1__Documents(app.name()))
        .load();
  }

  private void insertAs(TenantId tenant, DataSource appDataSource, int... ids) throws SQLException {
    try (TenantScope scope = TenantContext.open(tenant); Connection connection = appDataSource.getConnection();
         Statement statement = connection.createStatement()) {
      for (int id : ids) {
        statement.executeUpdate("INSERT INTO documents (id, title) VALUES (" + id + ", 'draft " + id + "')");
      }
    }
  }

  @Test
  void flywayMigratesAndValidatesAsTheOwnerNotThroughTheApplicationDataSource() throws SQLException {
    DataSource migrationDataSource = owner.dataSource();
    // @start region="flyway"
    // Schema migrations: the owner role's own DataSource, never the application's TenantDataSource.
    Flyway flyway = Flyway.configure()
        .dataSource(migrationDataSource)
        .javaMigrations(new V1__Documents(app.name()))
        .load();
    flyway.migrate();
    flyway.validate();
    // @end region="flyway"
    assertThat(flyway.info().applied()).hasSize(1);

    // Through the application's data source: no tenant in context, so Flyway's own queries are refused.
    TenantDataSource application = TenantDataSource.wrap(app.dataSource());
    assertThatThrownBy(() -> flyway(application).validate())
        .isInstanceOf(FlywayException.class)
        .hasRootCauseInstanceOf(dev.tenancy.NoTenantException.class);
    // And with a tenant: the application role may not read the history table.
    try (TenantScope scope = TenantContext.open(ACME)) {
      assertThatThrownBy(() -> flyway(application).validate()).isInstanceOf(FlywayException.class)
          .hasStackTraceContaining("permission denied for table flyway_schema_history");
    }
  }

  @Test
  void dataMigrationsBindOneTenantPerBatchOrRunAsABypassRole() throws SQLException {
    flyway(owner.dataSource()).migrate();
    TenantDataSource application = TenantDataSource.wrap(app.dataSource());
    insertAs(ACME, application, 1, 2, 3);
    insertAs(GLOBEX, application, 1, 2);

    // The owner with no tenant bound: FORCE ROW LEVEL SECURITY applies to it too, so it "succeeds" on 0 rows.
    try (Connection connection = owner.dataSource().getConnection();
         Statement statement = connection.createStatement()) {
      assertThat(statement.executeUpdate("UPDATE documents SET title = upper(title)")).isZero();
    }

    DataSource migrationDataSource = owner.dataSource();
    List<TenantId> tenants = List.of(ACME, GLOBEX);
    Map<TenantId, Integer> expectedRows = Map.of(ACME, 3, GLOBEX, 2);
    // @start region="data-migration"
    // A data migration as the owner: bind one tenant per batch and check that each changed what it should.
    TenantDataSource perTenant = TenantDataSource.wrap(migrationDataSource);
    for (TenantId tenant : tenants) {
      try (TenantScope scope = TenantContext.open(tenant);
           Connection connection = perTenant.getConnection();
           Statement statement = connection.createStatement()) {
        connection.setAutoCommit(false);
        int changed = statement.executeUpdate("UPDATE documents SET title = upper(title)");
        if (changed != expectedRows.get(tenant)) {
          connection.rollback();
          throw new IllegalStateException(tenant + ": changed " + changed + " rows, expected "
              + expectedRows.get(tenant));
        }
        connection.commit();
      }
    }
    // @end region="data-migration"
    assertThat(Fixtures.rows(db.adminDataSource(), "SELECT tenant_id || ':' || title FROM documents ORDER BY 1"))
        .containsExactly("acme:DRAFT 1", "acme:DRAFT 2", "acme:DRAFT 3", "globex:DRAFT 1", "globex:DRAFT 2");

    // Across tenants in one statement: a role with BYPASSRLS, used only for this, inside a system scope.
    TestRole migrator = db.createRole("migrator");
    db.execute("ALTER ROLE " + migrator.name() + " BYPASSRLS",
        "GRANT SELECT, UPDATE ON documents TO " + migrator.name());
    try (TenantScope scope = TenantContext.openSystem("lower-case every title");
         Connection connection = migrator.dataSource().getConnection();
         Statement statement = connection.createStatement()) {
      assertThat(statement.executeUpdate("UPDATE documents SET title = lower(title)")).isEqualTo(5);
    }

    // The refusal an operator sees when the application data source runs the migration without a tenant.
    try (Connection connection = application.getConnection(); Statement statement = connection.createStatement()) {
      assertThatThrownBy(() -> statement.executeUpdate("UPDATE documents SET title = title"))
          .isInstanceOf(SQLInvalidAuthorizationSpecException.class);
    }
  }
}
