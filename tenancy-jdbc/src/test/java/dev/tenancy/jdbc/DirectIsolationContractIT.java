package dev.tenancy.jdbc;

import net.jqwik.api.lifecycle.BeforeContainer;

/** The isolation contract directly against PostgreSQL, transaction-mode binding. */
class DirectIsolationContractIT extends IsolationContractSuite {

  @BeforeContainer
  static void direct() {
    setUp((db, role) -> role.jdbcUrl(), ConnectionSettings.DIRECT, TenantDataSource::wrap);
  }
}
