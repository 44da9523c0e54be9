package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The contract is only worth its green if it turns red on a leak: checked on deliberately leaky setups, with a
 * hand-written policy so that the kit needs no binding of its own.
 */
@TenancyPostgres
class IsolationContractSelfTestIT {

  private static final TenantId A = TenantId.of("a");
  private static final TenantId B = TenantId.of("b");
  /** A writes on lane 0, B reads on lane 1: a binding per checkout is exact for this program. */
  private static final List<TenantStep<IsolationContract.Step>> TWO_LANES = List.of(
      new TenantStep<>(A, new IsolationContract.Step(0, new IsolationContract.Insert(1, 10, true))),
      new TenantStep<>(B, new IsolationContract.Step(1, new IsolationContract.ReadAll(true))));
  private static final List<TenantStep<IsolationContract.Step>> ONE_LANE = List.of(
      new TenantStep<>(A, new IsolationContract.Step(0, new IsolationContract.Insert(1, 10, true))),
      new TenantStep<>(B, new IsolationContract.Step(0, new IsolationContract.ReadAll(true))));

  private static final String SETTING = "nullif(current_setting('tenancy.tenant_id', true), '')";

  private static List<String> strictPolicy(String table) {
    return List.of(
        "ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT " + SETTING,
        "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
        "CREATE POLICY strict ON " + table + " USING (tenant_id = " + SETTING + ") WITH CHECK (tenant_id = "
            + SETTING + ")");
  }

  @Test
  void contractPassesAStrictPolicyAndFailsAPolicyThatLetsEveryRowThrough(TestDatabase db) {
    TestRole app = db.createRole("app");
    DataSource perCheckout = new SessionBindingDataSource(app.dataSource());
    IsolationContract strict = contract(db, app, IsolationContractSelfTestIT::strictPolicy);
    assertThatCode(() -> strict.run(perCheckout, 2, TWO_LANES)).doesNotThrowAnyException();

    IsolationContract wide = contract(db, app, table -> List.of(
        "ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT " + SETTING,
        "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
        "CREATE POLICY wide ON " + table + " USING (true)"));
    assertThatThrownBy(() -> wide.run(perCheckout, 2, TWO_LANES))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("tenant b saw a row of tenant a");
  }

  @Test
  void contractFailsWhenTheTenantIsNotBound(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = contract(db, app, IsolationContractSelfTestIT::strictPolicy);
    // Nothing binds: row-level security fails closed, and the contract reports the lost insert.
    assertThatThrownBy(() -> contract.run(app.dataSource(), 1, ONE_LANE)).isInstanceOf(AssertionError.class);
  }

  @Test
  void contractFailsWhenSessionBindingLeaksThroughThePool(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = contract(db, app, IsolationContractSelfTestIT::strictPolicy);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(app.jdbcUrl());
    config.setMaximumPoolSize(1);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      DataSource leaky = new SessionBindingDataSource(pool);
      // Within a program, the lane opened for a keeps a's binding when b uses it.
      assertThatThrownBy(() -> contract.run(leaky, 1, ONE_LANE, pool))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("tenant b saw a row of tenant a");
      // With one tenant only the program is fine, but the connection goes back to the pool still bound.
      assertThatThrownBy(() -> contract.run(leaky, 1, ONE_LANE.subList(0, 1), pool))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("still carries tenant 'a'");
    }
  }

  private static IsolationContract contract(TestDatabase db, TestRole app,
      Function<String, List<String>> tenantScoping) {
    return IsolationContract.builder(db.adminDataSource()).tenantScoping(tenantScoping).grantTo(app.name()).build();
  }

  /** Binds the tenant in context with a session-level setting on every checkout and never resets it. */
  private static final class SessionBindingDataSource extends PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    private final transient DataSource pool;

    SessionBindingDataSource(DataSource pool) {
      this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection connection = pool.getConnection();
      try (PreparedStatement bind = connection.prepareStatement("SELECT set_config('tenancy.tenant_id', ?, false)")) {
        bind.setString(1, TenantContext.require().value());
        bind.execute();
      }
      return connection;
    }
  }
}
