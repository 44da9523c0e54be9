package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestPgBouncer;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Session objects (a temporary table, a {@code WITH HOLD} cursor) left by one tenant's checkout, through PgBouncer
 * in transaction mode. One application connection, so consecutive transactions reach the server connection
 * PgBouncer lent last: the checkout's {@code DISCARD TEMP; CLOSE ALL} clears it. With other clients on the same
 * PgBouncer pool nothing guarantees that (see docs/jdbc.md); there, denying {@code TEMPORARY} is the guard for
 * temporary tables, also shown here.
 */
@TenancyPgBouncer
class SessionObjectsPgBouncerIT {

  private TestDatabase db;
  private TestRole app;
  private HikariDataSource pool;
  private TenantDataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db, TestPgBouncer pgbouncer) {
    this.db = db;
    app = Fixtures.invoices(db);
    pool = Fixtures.pool(pgbouncer.jdbcUrl(db, app), 1, ConnectionSettings.TRANSACTION_POOLER);
    dataSource = TenantDataSource.builder(pool).behindTransactionPooler().build();
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void aTemporaryTableIsNotReadByTheNextTenantThroughThePooler() throws SQLException {
    SessionObjectsLeft.assertTemporaryTableNotReadByTheNextTenant(dataSource);
  }

  @Test
  void aHoldableCursorIsNotReadByTheNextTenantThroughThePooler() throws SQLException {
    SessionObjectsLeft.assertHoldableCursorNotReadByTheNextTenant(dataSource);
  }

  @Test
  void withoutTemporaryOnTheDatabaseNoTemporaryTableCanBeLeftBehind() throws SQLException {
    String database = db.adminDataSource().getConnection().getCatalog();
    db.execute("REVOKE TEMPORARY ON DATABASE \"" + database + "\" FROM PUBLIC");
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      assertThatThrownBy(() -> connection.createStatement().execute("CREATE TEMP TABLE scratch (id int)"))
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }
  }
}
