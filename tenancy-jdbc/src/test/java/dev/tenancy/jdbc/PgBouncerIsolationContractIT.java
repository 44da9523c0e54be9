package dev.tenancy.jdbc;

import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TestPgBouncer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The isolation contract through a real PgBouncer in transaction mode. */
@TenancyPgBouncer
class PgBouncerIsolationContractIT extends IsolationContractSuite {

  @BeforeContainer
  static void throughPgBouncer() {
    TestPgBouncer pgbouncer = TestPgBouncer.shared();
    setUp(pgbouncer::jdbcUrl, ConnectionSettings.TRANSACTION_POOLER,
        pool -> TenantDataSource.builder(pool).behindTransactionPooler().build());
  }
}
