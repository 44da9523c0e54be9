package dev.tenancy.jdbc;

import net.jqwik.api.lifecycle.BeforeContainer;

/** The isolation contract directly against PostgreSQL, session-mode binding (bound per checkout, reset on close). */
class DirectSessionIsolationContractIT extends IsolationContractSuite {

  @BeforeContainer
  static void directSession() {
    setUp((db, role) -> role.jdbcUrl(), ConnectionSettings.DIRECT,
        pool -> TenantDataSource.builder(pool).mode(BindingMode.SESSION).build());
  }
}
