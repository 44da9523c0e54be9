package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static dev.tenancy.jdbc.Fixtures.allRows;
import static dev.tenancy.jdbc.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the attacks on the binding: a tenant switch inside a transaction (and the silent rollback
 * it allowed), rows produced after a switch, session objects left on a pooled connection, several handles over
 * one server session, a session-level leftover of the setting, and batches executed under another tenant.
 */
@TenancyPostgres
class BindingAttacksIT {

  private TestDatabase db;
  private TestRole app;
  private HikariDataSource pool;
  private TenantDataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    app = Fixtures.invoices(db);
    pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT); // one connection: every checkout reuses it
    dataSource = TenantDataSource.wrap(pool);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  private static void assertSwitchRefused(ThrowingRunnable action) {
    assertThatThrownBy(action::run)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("commit or roll back before switching tenants")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
  }

  private static List<String> readAll(ResultSet rs) throws SQLException {
    List<String> rows = new ArrayList<>();
    while (rs.next()) {
      rows.add(rs.getString(1));
    }
    return rows;
  }

  // ---- attack 1: a nested scope switching inside a transaction, a failing statement, commit

  @Test
  void nestedScopeInsideATransactionCannotMisplaceRowsThroughAFailedStatement() throws SQLException {
    try (TenantScope outer = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (40, 40)");
      try (TenantScope inner = TenantContext.open(GLOBEX)) {
        // The inner tenant's code: its reads and writes are refused, not run against acme's transaction.
        assertSwitchRefused(() -> rows(connection, "SELECT tenant_id FROM invoices"));
        assertSwitchRefused(() -> connection.createStatement()
            .executeUpdate("INSERT INTO invoices (id, amount) VALUES (41, 41)"));
      }
      assertThatThrownBy(() -> connection.createStatement().execute("SELECT 1 / 0")).isInstanceOf(SQLException.class);
      connection.commit(); // the server rolls the failed transaction back
      try (TenantScope inner = TenantContext.open(GLOBEX)) {
        assertThat(rows(connection, "SELECT tenant_id || ':' || id FROM invoices ORDER BY id"))
            .containsExactly("globex:1", "globex:2");
        connection.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (41, 41)");
        connection.commit();
      }
    }
    assertThat(allRows(db)).containsExactly("acme:1:100", "acme:2:200", "acme:3:300", "globex:1:1000",
        "globex:2:2000", "globex:41:41");
  }

  // ---- attack 2: rows produced after a tenant switch

  @Test
  void aResultSetFetchingInATransactionIsNotContinuedUnderAnotherTenant() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      Statement statement = connection.createStatement();
      statement.setFetchSize(1);
      ResultSet rs;
      try (TenantScope scope = TenantContext.open(ACME)) {
        rs = statement.executeQuery("SELECT tenant_id FROM invoices ORDER BY id");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("acme");
      }
      List<String> seenByGlobex = new ArrayList<>();
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertSwitchRefused(() -> rows(connection, "SELECT count(*) FROM invoices"));
        assertThatThrownBy(() -> seenByGlobex.addAll(readAll(rs)))
            .as("globex read %s from acme's open result set", seenByGlobex)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("reading refused");
      }
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(readAll(rs)).containsOnly("acme").hasSize(2);
      }
      connection.rollback();
    }
  }

  @Test
  void aRefcursorIsNotReadUnderAnotherTenant() throws SQLException {
    db.execute("CREATE FUNCTION open_invoices() RETURNS refcursor LANGUAGE plpgsql AS "
            + "$$ DECLARE c refcursor; BEGIN OPEN c FOR SELECT tenant_id FROM invoices ORDER BY id; RETURN c; END $$",
        "GRANT EXECUTE ON FUNCTION open_invoices() TO " + app.name());
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      ResultSet outer;
      try (TenantScope scope = TenantContext.open(ACME)) {
        outer = connection.createStatement().executeQuery("SELECT open_invoices()");
        assertThat(outer.next()).isTrue();
      }
      List<String> seenByGlobex = new ArrayList<>();
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertSwitchRefused(() -> rows(connection, "SELECT count(*) FROM invoices"));
        assertThatThrownBy(() -> {
          try (ResultSet cursor = (ResultSet) outer.getObject(1)) {
            seenByGlobex.addAll(readAll(cursor));
          }
        }).as("globex read %s through acme's refcursor", seenByGlobex)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("reading refused");
      }
      try (TenantScope scope = TenantContext.open(ACME);
           ResultSet cursor = (ResultSet) outer.getObject(1)) {
        assertThat(readAll(cursor)).containsExactly("acme", "acme", "acme");
      }
      connection.rollback();
    }
  }

  // ---- attack 3: session objects left on a pooled connection

  @Test
  void aTemporaryTableIsNotReadByTheNextTenantOnTheNextCheckout() throws SQLException {
    SessionObjectsLeft.assertTemporaryTableNotReadByTheNextTenant(dataSource);
  }

  @Test
  void aHoldableCursorIsNotReadByTheNextTenantOnTheNextCheckout() throws SQLException {
    SessionObjectsLeft.assertHoldableCursorNotReadByTheNextTenant(dataSource);
  }

  @Test
  void aTemporaryTableNamedLikeARealOneDoesNotCaptureTheNextTenantsRows() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.createStatement().execute("CREATE TEMP TABLE invoices (tenant_id text, id bigint, amount bigint)");
    }
    try (TenantScope scope = TenantContext.open(GLOBEX); Connection connection = dataSource.getConnection()) {
      connection.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (9, 9)");
    }
    assertThat(allRows(db)).contains("globex:9:9");
  }

  @Test
  void sessionObjectsAreNotReadByTheNextTenantOnTheSameCheckout() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      try (TenantScope scope = TenantContext.open(ACME)) {
        connection.createStatement().execute("CREATE TEMP TABLE scratch AS SELECT * FROM invoices");
        connection.createStatement().execute("DECLARE leftover CURSOR WITH HOLD FOR SELECT tenant_id FROM invoices");
        assertThat(rows(connection, "SELECT count(*) FROM scratch")).containsExactly("3"); // same tenant: kept
      }
      connection.setAutoCommit(false);
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        // A transaction opened before its first bound statement: cleared inside it.
        connection.createStatement().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        assertThatThrownBy(() -> rows(connection, "SELECT count(*) FROM scratch"))
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42P01"));
        connection.rollback(); // rolls the clearing back too: the next transaction clears again
        assertThatThrownBy(() -> rows(connection, "FETCH ALL FROM leftover"))
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("34000"));
        connection.rollback();
        assertThatThrownBy(() -> rows(connection, "SELECT count(*) FROM scratch"))
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42P01"));
        connection.rollback();
      }
    }
  }

  @Test
  void aTemporaryTableCreatedInATransactionIsNotReadByTheNextTenantAfterSetAutoCommit() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        rows(connection, "SELECT count(*) FROM invoices");
      }
      connection.setAutoCommit(false);
      try (TenantScope scope = TenantContext.open(ACME)) {
        connection.createStatement().execute("CREATE TEMP TABLE IF NOT EXISTS scratch AS SELECT * FROM invoices");
      }
      connection.setSavepoint();
      connection.setAutoCommit(true);
      try (TenantScope scope = TenantContext.open(Fixtures.GLOBEX)) {
        List<String> seen = new ArrayList<>();
        assertThatThrownBy(() -> seen.addAll(rows(connection, "SELECT tenant_id FROM scratch")))
            .as("globex read %s", seen)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42P01"));
      }
    }
  }

  // ---- attack 4: two handles over one physical connection

  /**
   * Two handles over one server session, as a JTA pool or Spring's {@code TransactionAwareDataSourceProxy} hands
   * out: closing a handle does not close the session.
   */
  private static Connection handle(Connection physical) {
    return (Connection) Proxy.newProxyInstance(BindingAttacksIT.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            return null;
          }
          try {
            return method.invoke(physical, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** A data source whose every {@code getConnection()} is a new handle over {@code physical}. */
  private static javax.sql.DataSource handlesOver(Connection physical) {
    return (javax.sql.DataSource) Proxy.newProxyInstance(BindingAttacksIT.class.getClassLoader(),
        new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return handle(physical);
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void twoHandlesOverOneServerSessionCannotReadOrWriteEachOthersRows() throws SQLException {
    try (Connection physical = pool.getConnection()) {
      physical.setAutoCommit(false);
      TenantDataSource handles = TenantDataSource.wrap(handlesOver(physical));
      Connection first = handles.getConnection();
      Connection second = handles.getConnection();
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(rows(first, "SELECT DISTINCT tenant_id FROM invoices")).containsExactly("acme");
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertSwitchRefused(() -> rows(second, "SELECT DISTINCT tenant_id FROM invoices"));
      }
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(rows(first, "SELECT DISTINCT tenant_id FROM invoices")).containsExactly("acme");
        first.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (60, 60)");
      }
      second.commit(); // the session's transaction, whichever handle ends it
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(rows(second, "SELECT DISTINCT tenant_id FROM invoices")).containsExactly("globex");
        assertThat(rows(first, "SELECT DISTINCT tenant_id FROM invoices")).containsExactly("globex");
        second.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (61, 61)");
        assertThat(rows(first, "SELECT tenant_id || ':' || id FROM invoices WHERE id >= 60"))
            .containsExactly("globex:61");
      }
      physical.commit();
    }
    assertThat(allRows(db)).contains("acme:60:60", "globex:61:61").hasSize(7);
  }

  // ---- the per-transaction stamp: a session-level value never matches

  @Test
  void aSessionLevelValueOfTheSettingMatchesNoRow() throws SQLException {
    try (Connection raw = pool.getConnection(); Statement statement = raw.createStatement()) {
      statement.execute("SET tenancy.tenant_id = 'acme'");
      assertThat(rows(raw, "SELECT count(*) FROM invoices")).containsExactly("0");
      assertThatThrownBy(() -> statement.executeUpdate("INSERT INTO invoices (id, amount) VALUES (70, 70)"))
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
      statement.execute("RESET tenancy.tenant_id");
    }
    db.execute("ALTER ROLE " + app.name() + " SET tenancy.tenant_id = 'acme'");
    try (HikariDataSource fresh = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT);
         Connection raw = fresh.getConnection()) {
      assertThat(Fixtures.setting(raw)).isEqualTo("acme");
      assertThat(rows(raw, "SELECT count(*) FROM invoices")).containsExactly("0");
    }
    // Bound by the data source, the same role sees its tenant's rows.
    assertThat(rowsAs(GLOBEX, "SELECT count(*) FROM invoices")).containsExactly("2");
  }

  private List<String> rowsAs(TenantId tenant, String sql) throws SQLException {
    try (TenantScope scope = TenantContext.open(tenant)) {
      return rows(dataSource, sql);
    }
  }

  // ---- item 7: a batch belongs to the tenant that queued it

  @Test
  void aBatchQueuedUnderOneTenantIsRefusedUnderAnotherAndDiscarded() throws SQLException {
    try (Connection connection = dataSource.getConnection();
         Statement plain = connection.createStatement();
         PreparedStatement prepared = connection.prepareStatement("INSERT INTO invoices (id, amount) VALUES (?, 1)");
         CallableStatement call = connection.prepareCall("INSERT INTO invoices (id, amount) VALUES (?, 2)")) {
      try (TenantScope scope = TenantContext.open(ACME)) {
        plain.addBatch("INSERT INTO invoices (id, amount) VALUES (80, 0)");
        prepared.setLong(1, 81);
        prepared.addBatch();
        call.setLong(1, 82);
        call.addBatch();
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        for (Statement statement : new Statement[] {plain, prepared, call}) {
          assertThatThrownBy(statement::executeBatch)
              .isInstanceOf(java.sql.SQLInvalidAuthorizationSpecException.class)
              .hasMessageContaining("queued under tenant 'acme'");
          assertThat(statement.executeBatch()).as("discarded").isEmpty();
        }
      }
      try (TenantScope scope = TenantContext.open(ACME)) {
        plain.addBatch("INSERT INTO invoices (id, amount) VALUES (83, 0)");
      }
      assertThatThrownBy(plain::executeBatch).isInstanceOf(java.sql.SQLInvalidAuthorizationSpecException.class);
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(plain.executeBatch()).isEmpty();
      }
    }
    assertThat(allRows(db)).hasSize(5);
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
