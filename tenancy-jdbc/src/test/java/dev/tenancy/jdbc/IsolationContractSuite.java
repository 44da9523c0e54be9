package dev.tenancy.jdbc;

import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.util.function.BiFunction;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The shipped contract suite configured from a {@code @BeforeContainer} method, for
 * {@code DirectSessionIsolationContractIT} only: delete this class together with it when session mode goes. The
 * other suites extend {@link dev.tenancy.test.IsolationContractSuite} directly.
 */
abstract class IsolationContractSuite extends dev.tenancy.test.IsolationContractSuite {

  private static BiFunction<TestDatabase, TestRole, String> url = (db, role) -> role.jdbcUrl();
  private static ConnectionSettings settings = ConnectionSettings.DIRECT;
  private static Function<DataSource, TenantDataSource> wrap = TenantDataSource::wrap;

  IsolationContractSuite() {
    super(table -> TenantPolicy.forTable(table).build().statements(),
        (db, app, size) -> Fixtures.pool(url.apply(db, app), size, settings),
        pool -> wrap.apply(pool));
  }

  static void setUp(BiFunction<TestDatabase, TestRole, String> url, ConnectionSettings settings,
      Function<DataSource, TenantDataSource> wrap) {
    IsolationContractSuite.url = url;
    IsolationContractSuite.settings = settings;
    IsolationContractSuite.wrap = wrap;
  }
}
