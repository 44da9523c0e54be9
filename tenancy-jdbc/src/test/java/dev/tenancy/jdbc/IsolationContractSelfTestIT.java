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
  private static final List<TenantStep<IsolationContract.Operation>> PROGRAM = List.of(
      new TenantStep<>(A, new IsolationContract.Insert(1, 10, true)),
      new TenantStep<>(B, new IsolationContract.ReadAll(true)));

  @Test
  void contractFailsWhenAPolicyLetsEveryRowThrough(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = IsolationContract.builder(db.adminDataSource())
        .tenantScoping(table -> List.of(
            "ALTER TABLE " + table + " ALTER COLUMN tenant_id SET DEFAULT current_setting('tenancy.tenant_id')",
            "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
            "CREATE POLICY wide ON " + table + " USING (true)"))
        .grantTo(app.name())
        .build();
    try (HikariDataSource pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT)) {
      assertThatThrownBy(() -> contract.run(TenantDataSource.wrap(pool), 1, PROGRAM))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("tenant b saw a row of tenant a");
    }
  }

  @Test
  void contractFailsWhenTheTenantIsNotBound(TestDatabase db) {
    TestRole app = db.createRole("app");
    IsolationContract contract = IsolationContract.builder(db.adminDataSource())
        .tenantScoping(table -> TenantPolicy.forTable(table).build().statements())
        .grantTo(app.name())
        .build();
    try (HikariDataSource pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT)) {
      // The raw pool binds nothing: row-level security fails closed, and the contract reports the lost insert.
      assertThatThrownBy(() -> contract.run(pool, 1, PROGRAM)).isInstanceOf(AssertionError.class);
    }
  }
}
