package dev.tenancy.jdbc;

import javax.sql.DataSource;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The isolation contract directly against PostgreSQL, session-mode binding (bound per checkout, reset on close). */
class DirectSessionIsolationContractIT extends IsolationContractSuite {

  @BeforeContainer
  static void directSession() {
    setUp(new PoolFactory() {
      @Override
      public com.zaxxer.hikari.HikariDataSource pool(dev.tenancy.test.TestDatabase db,
          dev.tenancy.test.TestRole role, int size) {
        return Fixtures.pool(role.jdbcUrl(), size, ConnectionSettings.DIRECT);
      }

      @Override
      public TenantDataSource wrap(DataSource pool) {
        return TenantDataSource.builder(pool).mode(BindingMode.SESSION).build();
      }
    });
  }
}
