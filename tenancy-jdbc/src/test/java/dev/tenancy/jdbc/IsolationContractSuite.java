package dev.tenancy.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.test.IsolationContract;
import dev.tenancy.test.TenantArbitraries;
import dev.tenancy.test.TenantStep;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import javax.sql.DataSource;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * "Tenant A never sees, changes or learns of tenant B's rows" for one way of reaching PostgreSQL: random
 * interleavings by three tenants on one to three connections, each carrying transactions of several tenants;
 * afterwards no pooled connection may still carry a tenant.
 */
abstract class IsolationContractSuite {

  static final int TRIES = 1000;

  private static TestDatabase db;
  private static IsolationContract contract;
  private static HikariDataSource[] pools;
  private static TenantDataSource[] dataSources;

  /**
   * Builds pools of 1, 2 and 3 connections for the application role and wraps each.
   *
   * @param url the JDBC URL for the role on the test database, the way the subclass reaches the server
   * @param settings the connection preset for that way
   * @param wrap how the subclass configures the tenant-binding data source
   */
  static void setUp(BiFunction<TestDatabase, TestRole, String> url, ConnectionSettings settings,
      Function<DataSource, TenantDataSource> wrap) {
    db = TestDatabase.create();
    TestRole app = db.createRole("app");
    contract = IsolationContract.builder(db.adminDataSource())
        .tenantScoping(table -> TenantPolicy.forTable(table).build().statements())
        .grantTo(app.name())
        .build();
    pools = new HikariDataSource[3];
    dataSources = new TenantDataSource[3];
    for (int size = 1; size <= 3; size++) {
      pools[size - 1] = Fixtures.pool(url.apply(db, app), size, settings);
      dataSources[size - 1] = wrap.apply(pools[size - 1]);
    }
  }

  @AfterContainer
  static void tearDown() {
    if (pools != null) {
      for (HikariDataSource pool : pools) {
        pool.close();
      }
    }
    if (db != null) {
      db.close();
    }
  }

  @Provide
  Arbitrary<List<TenantStep<IsolationContract.Step>>> programs() {
    return TenantArbitraries.interleavings(3, IsolationContract.steps(), 1, 40);
  }

  @Property(tries = TRIES)
  void tenantsNeverSeeChangeOrLearnOfEachOthersRows(
      @ForAll("programs") List<TenantStep<IsolationContract.Step>> program,
      @ForAll @IntRange(min = 1, max = 3) int poolSize) {
    contract.run(dataSources[poolSize - 1], poolSize, program, pools[poolSize - 1]);
  }
}
