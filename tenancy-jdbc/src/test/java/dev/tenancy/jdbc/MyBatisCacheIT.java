package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.util.List;
import org.apache.ibatis.annotations.CacheNamespace;
import org.apache.ibatis.annotations.Select;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.LocalCacheScope;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.jdbc.JdbcTransactionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the binding cannot guard: MyBatis's caches sit above JDBC and answer without running SQL. These tests show
 * each leak with MyBatis's defaults and that the settings docs/jdbc.md gives close it.
 */
@TenancyPostgres
class MyBatisCacheIT {

  private HikariDataSource pool;
  private TenantDataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    TestRole app = Fixtures.invoices(db);
    pool = Fixtures.pool(app.jdbcUrl(), 2, ConnectionSettings.DIRECT);
    dataSource = TenantDataSource.wrap(pool);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  /** A mapper without a second-level cache. */
  public interface Invoices {
    @Select("SELECT tenant_id || ':' || id FROM invoices ORDER BY id")
    List<String> all();
  }

  /** The same query with a second-level cache, shared by every session of the factory. */
  @CacheNamespace
  public interface CachedInvoices {
    @Select("SELECT tenant_id || ':' || id FROM invoices ORDER BY id")
    List<String> all();
  }

  private SqlSessionFactory factory(LocalCacheScope localCache, boolean cacheEnabled) {
    Configuration configuration = new Configuration(
        new Environment("app", new JdbcTransactionFactory(), dataSource));
    configuration.setLocalCacheScope(localCache);
    configuration.setCacheEnabled(cacheEnabled);
    configuration.addMapper(Invoices.class);
    configuration.addMapper(CachedInvoices.class);
    return new SqlSessionFactoryBuilder().build(configuration);
  }

  @Test
  void secondLevelCacheServesOneTenantsRowsToAnotherUnlessTurnedOff() {
    SqlSessionFactory defaults = factory(LocalCacheScope.SESSION, true);
    read(defaults, ACME);
    // globex's own session, its own transaction: the rows come from the cache, no SQL runs.
    assertThat(read(defaults, GLOBEX)).containsExactly("acme:1", "acme:2", "acme:3");

    SqlSessionFactory off = factory(LocalCacheScope.SESSION, false);
    read(off, ACME);
    assertThat(read(off, GLOBEX)).containsExactly("globex:1", "globex:2");
  }

  private static List<String> read(SqlSessionFactory factory, dev.tenancy.TenantId tenant) {
    try (TenantScope scope = TenantContext.open(tenant); SqlSession session = factory.openSession()) {
      List<String> rows = session.getMapper(CachedInvoices.class).all();
      session.commit(); // a second-level cache entry becomes visible to other sessions at commit
      return rows;
    }
  }

  @Test
  void sessionCacheAnswersAfterATenantSwitchWithoutRunningSql() {
    // A session kept open across scopes (a misuse the binding cannot see: no statement reaches JDBC).
    try (SqlSession session = factory(LocalCacheScope.SESSION, false).openSession()) {
      Invoices invoices = session.getMapper(Invoices.class);
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(invoices.all()).containsExactly("acme:1", "acme:2", "acme:3");
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(invoices.all()).containsExactly("acme:1", "acme:2", "acme:3");
      }
    }
    // One session per tenant scope: nothing to serve from.
    for (dev.tenancy.TenantId tenant : List.of(ACME, GLOBEX)) {
      try (TenantScope scope = TenantContext.open(tenant);
           SqlSession session = factory(LocalCacheScope.SESSION, false).openSession()) {
        assertThat(session.getMapper(Invoices.class).all()).allMatch(row -> row.startsWith(tenant.value() + ":"));
      }
    }
  }
}
