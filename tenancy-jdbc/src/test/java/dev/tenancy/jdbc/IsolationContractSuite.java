package dev.tenancy.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.test.IsolationContract;
import dev.tenancy.test.TenantArbitraries;
import dev.tenancy.test.TenantStep;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.util.List;
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

  /** Builds the pools of 1, 2 and 3 connections for the role, the way the subclass reaches the server. */
  static void setUp(PoolFactory factory) {
    db = TestDatabase.create();
    TestRole app = db.createRole("app");
    contract = IsolationContract.builder(db.adminDataSource())
        .tenantScoping(table -> TenantPolicy.forTable(table).build().statements())
        .grantTo(app.name())
        .build();
    pools = new HikariDataSource[3];
    dataSources = new TenantDataSource[3];
    for (int size = 1; size <= 3; size++) {
      pools[size - 1] = factory.pool(db, app, size);
      dataSources[size - 1] = factory.wrap(pools[size - 1]);
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

  interface PoolFactory {
    HikariDataSource pool(TestDatabase db, TestRole role, int size);

    TenantDataSource wrap(DataSource pool);
  }
}
