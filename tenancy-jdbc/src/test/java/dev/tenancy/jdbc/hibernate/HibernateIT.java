package dev.tenancy.jdbc.hibernate;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static dev.tenancy.jdbc.Fixtures.allRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.NoTenantException;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.ConnectionSettings;
import dev.tenancy.jdbc.Fixtures;
import dev.tenancy.jdbc.Invoice;
import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.SQLException;
import java.util.List;
import org.hibernate.ScrollMode;
import org.hibernate.ScrollableResults;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hibernate ORM with {@code @TenantId} on top of row-level security: both layers, and the database alone. */
@TenancyPostgres
class HibernateIT {

  private TestDatabase db;
  private HikariDataSource pool;
  private SessionFactory sessions;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    TestRole app = Fixtures.invoices(db);
    pool = Fixtures.pool(app.jdbcUrl(), 2, ConnectionSettings.DIRECT);
    Configuration configuration = new Configuration().addAnnotatedClass(Invoice.class);
    configuration.getProperties().putAll(TenancyHibernate.settings(TenantDataSource.wrap(pool)));
    configuration.setProperty("hibernate.hbm2ddl.auto", "none");
    sessions = configuration.buildSessionFactory();
  }

  @AfterEach
  void tearDown() {
    sessions.close();
    pool.close();
  }

  @Test
  void persistStampsTheCurrentTenant() throws SQLException {
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      sessions.inTransaction(session -> session.persist(new Invoice(9, 90)));
    }
    assertThat(allRows(db)).contains("globex:9:90");
  }

  @Test
  void findByIdOfAnotherTenantsRowFindsNothing() {
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      // id 3 exists only for acme.
      Invoice foreign = sessions.fromTransaction(session -> session.find(Invoice.class, 3L));
      assertThat(foreign).isNull();
      Invoice own = sessions.fromTransaction(session -> session.find(Invoice.class, 2L));
      assertThat(own.amount()).isEqualTo(2000);
      assertThat(own.tenantId()).isEqualTo("globex");
    }
  }

  @Test
  void nativeSqlWithoutTenantPredicateIsConfinedByTheDatabase() {
    try (TenantScope scope = TenantContext.open(ACME)) {
      List<Long> ids = sessions.fromTransaction(session ->
          session.createNativeQuery("SELECT id FROM invoices ORDER BY id", Long.class).getResultList());
      assertThat(ids).containsExactly(1L, 2L, 3L);
      // Even asking for another tenant's rows by name returns nothing.
      List<Long> foreign = sessions.fromTransaction(session -> session.createNativeQuery(
          "SELECT id FROM invoices WHERE tenant_id = 'globex'", Long.class).getResultList());
      assertThat(foreign).isEmpty();
    }
  }

  @Test
  void bulkHqlAndNativeWritesOnlyTouchTheCurrentTenant() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME)) {
      int updated = sessions.fromTransaction(session ->
          session.createMutationQuery("UPDATE Invoice SET amount = 0").executeUpdate());
      assertThat(updated).isEqualTo(3);
      int deleted = sessions.fromTransaction(session ->
          session.createNativeMutationQuery("DELETE FROM invoices WHERE amount = 0").executeUpdate());
      assertThat(deleted).isEqualTo(3);
    }
    assertThat(allRows(db)).containsExactly("globex:1:1000", "globex:2:2000");
  }

  @Test
  void hqlSeesOnlyTheCurrentTenant() {
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      long total = sessions.fromTransaction(session ->
          session.createSelectionQuery("SELECT sum(amount) FROM Invoice", Long.class).getSingleResult());
      assertThat(total).isEqualTo(3000);
    }
  }

  /** Regression (attack 2): a scroll kept producing rows for code under another tenant's scope. */
  @Test
  void aScrollOverNativeSqlIsNotContinuedUnderAnotherTenant() {
    try (TenantScope scope = TenantContext.open(ACME); Session session = sessions.openSession()) {
      session.beginTransaction();
      try (ScrollableResults<Long> scroll = session.createNativeQuery("SELECT id FROM invoices ORDER BY id",
          Long.class).setFetchSize(1).scroll(ScrollMode.FORWARD_ONLY)) {
        assertThat(scroll.next()).isTrue();
        assertThat(scroll.get()).isEqualTo(1L);
        try (TenantScope other = TenantContext.open(GLOBEX)) {
          assertThatThrownBy(scroll::next).hasStackTraceContaining("reading refused");
        }
      }
      session.getTransaction().rollback();
    }
  }

  @Test
  void openingASessionWithoutTenantFailsClosed() {
    assertThatThrownBy(() -> sessions.inTransaction(session -> session.find(Invoice.class, 1L)))
        .isInstanceOf(NoTenantException.class);
  }
}
