package dev.tenancy.jdbc;

import dev.tenancy.test.IsolationContractSuite;

/** The isolation contract directly against PostgreSQL, transaction-mode binding. */
// @start region="suite"
class DirectIsolationContractIT extends IsolationContractSuite {
  DirectIsolationContractIT() {
    super(table -> TenantPolicy.forTable(table).build().statements(),
        (db, app, size) -> Fixtures.pool(app.jdbcUrl(), size, ConnectionSettings.DIRECT),
        TenantDataSource::wrap);
  }
}
// @end region="suite"
