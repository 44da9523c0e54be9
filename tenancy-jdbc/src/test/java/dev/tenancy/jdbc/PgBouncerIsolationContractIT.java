package dev.tenancy.jdbc;

import dev.tenancy.test.IsolationContractSuite;
import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TestPgBouncer;

/** The isolation contract through a real PgBouncer in transaction mode. */
@TenancyPgBouncer
class PgBouncerIsolationContractIT extends IsolationContractSuite {
  PgBouncerIsolationContractIT() {
    super(table -> TenantPolicy.forTable(table).build().statements(),
        (db, app, size) -> Fixtures.pool(TestPgBouncer.shared().jdbcUrl(db, app), size,
            ConnectionSettings.TRANSACTION_POOLER),
        pool -> TenantDataSource.builder(pool).behindTransactionPooler().build());
  }

  /** Behind a transaction pooler session objects are unguarded (docs/jdbc.md, "What it does not guard"). */
  @Override
  protected boolean sessionObjectsGuarded() {
    return false;
  }
}
