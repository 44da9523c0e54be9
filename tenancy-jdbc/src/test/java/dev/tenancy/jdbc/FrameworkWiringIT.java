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
import javax.sql.DataSource;
import org.apache.ibatis.annotations.Select;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.LocalCacheScope;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.jdbc.JdbcTransactionFactory;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The one-line wiring of each framework that docs/jdbc.md shows, run as the app role: each tenant sees its rows. */
@TenancyPostgres
class FrameworkWiringIT {

  static {
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  private HikariDataSource pool;

  @BeforeEach
  void setUp(TestDatabase db) {
    TestRole app = Fixtures.invoices(db);
    pool = Fixtures.pool(app.jdbcUrl(), 2, ConnectionSettings.DIRECT);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void springJdbc() {
    // @start region="spring"
    DataSource dataSource = TenantDataSource.wrap(pool);
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    // @end region="spring"
    try (TenantScope scope = TenantContext.open(ACME)) {
      Long count = transactions.execute(status -> jdbc.queryForObject("SELECT count(*) FROM invoices", Long.class));
      assertThat(count).isEqualTo(3L);
    }
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      assertThat(jdbc.queryForObject("SELECT count(*) FROM invoices", Long.class)).isEqualTo(2);
    }
  }

  /** A MyBatis mapper. */
  public interface InvoiceMapper {
    @Select("SELECT id FROM invoices ORDER BY id")
    List<Long> ids();
  }

  @Test
  void myBatis() {
    // @start region="mybatis"
    Configuration configuration = new Configuration(
        new Environment("app", new JdbcTransactionFactory(), TenantDataSource.wrap(pool)));
    configuration.setLocalCacheScope(LocalCacheScope.STATEMENT); // no session cache across statements
    configuration.setCacheEnabled(false);                        // no second-level (mapper) cache
    configuration.addMapper(InvoiceMapper.class);
    SqlSessionFactory sessions = new SqlSessionFactoryBuilder().build(configuration);
    // @end region="mybatis"
    try (TenantScope scope = TenantContext.open(ACME); SqlSession session = sessions.openSession()) {
      assertThat(session.getMapper(InvoiceMapper.class).ids()).containsExactly(1L, 2L, 3L);
    }
    try (TenantScope scope = TenantContext.open(GLOBEX); SqlSession session = sessions.openSession()) {
      assertThat(session.getMapper(InvoiceMapper.class).ids()).containsExactly(1L, 2L);
    }
  }

  @Test
  void jooq() {
    // @start region="jooq"
    DSLContext dsl = DSL.using(TenantDataSource.wrap(pool), SQLDialect.POSTGRES);
    // @end region="jooq"
    try (TenantScope scope = TenantContext.open(ACME)) {
      assertThat(dsl.fetchCount(DSL.table("invoices"))).isEqualTo(3);
    }
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      int count = dsl.transactionResult(c -> c.dsl().fetchCount(DSL.table("invoices")));
      assertThat(count).isEqualTo(2);
    }
  }
}
