package dev.tenancy.jdbc;

import dev.tenancy.test.TestPgBouncer;
import javax.sql.DataSource;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The isolation contract through a real PgBouncer in transaction mode. */
class PgBouncerIsolationContractIT extends IsolationContractSuite {

  @BeforeContainer
  static void throughPgBouncer() {
    TestPgBouncer pgbouncer = TestPgBouncer.shared();
    setUp(new PoolFactory() {
      @Override
      public com.zaxxer.hikari.HikariDataSource pool(dev.tenancy.test.TestDatabase db,
          dev.tenancy.test.TestRole role, int size) {
        return Fixtures.pool(pgbouncer.jdbcUrl(db, role), size, ConnectionSettings.TRANSACTION_POOLER);
      }

      @Override
      public TenantDataSource wrap(DataSource pool) {
        return TenantDataSource.builder(pool).behindTransactionPooler().build();
      }
    });
  }
}
