package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantId;
import dev.tenancy.test.IsolationContract;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TenantStep;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract suite is only worth its green if it turns red on a leak: checked on deliberately leaky setups. */
@TenancyPostgres
class IsolationContractSelfTestIT {

  private static final TenantId A = TenantId.of("a");
  private static final TenantId B = TenantId.of("b");
  private static final List<TenantStep<IsolationContract.Step>> PROGRAM = List.of(
      new TenantStep<>(A, new IsolationContract.Step(0, new IsolationContract.Insert(1, 10, true))),
      new TenantStep<>(B, new IsolationContract.Step(0, new IsolationContract.ReadAll(true))));

  @Test
  void contractFailsWhenAPolicyLetsEveryRowThrough(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = contract(db, app, table -> List.of(
            "ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT current_setting('tenancy.tenant_id')",
            "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
            "CREATE POLICY wide ON " + table + " USING (true)"));
    try (HikariDataSource pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT)) {
      assertThatThrownBy(() -> contract.run(TenantDataSource.wrap(pool), 1, PROGRAM))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("tenant b saw a row of tenant a");
    }
  }

  @Test
  void contractFailsWhenTheTenantIsNotBound(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = contract(db, app, table -> TenantPolicy.forTable(table).build().statements());
    try (HikariDataSource pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT)) {
      // The raw pool binds nothing: row-level security fails closed, and the contract reports the lost insert.
      assertThatThrownBy(() -> contract.run(pool, 1, PROGRAM)).isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void contractFailsWhenSessionBindingLeaksThroughThePool(TestDatabase db) {
    TestRole app = db.createRole("app");
    // A policy without the per-transaction stamp, which TenantPolicy adds precisely to reject session values.
    String predicate = "tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text)";
    IsolationContract contract = contract(db, app, table -> List.of(
        "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
        "CREATE POLICY unstamped ON " + table + " USING (" + predicate + ") WITH CHECK (" + predicate + ")",
        "ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT "
            + "nullif(current_setting('tenancy.tenant_id', true), '')::text"));
    try (HikariDataSource pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT)) {
      // A data source that binds for the session and never resets: the raw-pool check must catch it.
      javax.sql.DataSource leaky = new LeakySessionDataSource(pool);
      // Within a program the contract sees the other tenant's rows.
      assertThatThrownBy(() -> contract.run(leaky, 1, PROGRAM, pool))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("tenant b saw a row of tenant a");
      // With one tenant only, the program is fine, but the connection goes back to the pool still bound.
      assertThatThrownBy(() -> contract.run(leaky, 1, PROGRAM.subList(0, 1), pool))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("still carries tenant 'a'");
    }
  }

  private static IsolationContract contract(TestDatabase db, TestRole app,
      java.util.function.Function<String, List<String>> tenantScoping) {
    return IsolationContract.builder(db.adminDataSource()).tenantScoping(tenantScoping).grantTo(app.name()).build();
  }

  /** Binds the tenant with a session-level setting on every checkout and never resets it. */
  private static final class LeakySessionDataSource extends org.postgresql.ds.PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    private final transient javax.sql.DataSource pool;

    LeakySessionDataSource(javax.sql.DataSource pool) {
      this.pool = pool;
    }

    @Override
    public java.sql.Connection getConnection() throws java.sql.SQLException {
      java.sql.Connection connection = pool.getConnection();
      try (java.sql.PreparedStatement bind = connection.prepareStatement(
          "SELECT set_config('tenancy.tenant_id', ?, false)")) {
        bind.setString(1, dev.tenancy.TenantContext.require().value());
        bind.execute();
      }
      return connection;
    }
  }
}
