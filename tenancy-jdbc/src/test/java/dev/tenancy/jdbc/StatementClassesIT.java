package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statements that must open a transaction or stay outside one run as PostgreSQL expects through the data source,
 * and the errors the data source raises itself are of the class and SQLState pgjdbc raises for the same mistake.
 */
@TenancyPostgres
class StatementClassesIT {

  private HikariDataSource pool;
  private HikariDataSource adminPool;
  private TenantDataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    TestRole app = Fixtures.invoices(db);
    pool = Fixtures.pool(app.jdbcUrl(), 2, ConnectionSettings.DIRECT);
    dataSource = TenantDataSource.wrap(pool);
    adminPool = Fixtures.pool(db.jdbcUrl(), 1, ConnectionSettings.DIRECT);
  }

  @AfterEach
  void tearDown() {
    pool.close();
    adminPool.close();
  }

  private static String show(Connection connection, String setting) throws SQLException {
    return rows(connection, "SHOW " + setting).get(0);
  }

  // ---- statements that must open a transaction: sent first, the binding after them

  @Test
  void setTransactionAsTheFirstStatementOfATransaction() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.createStatement().execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      assertThat(show(connection, "transaction_isolation")).isEqualTo("serializable");
      connection.commit();
      try (PreparedStatement statement = connection.prepareStatement(
          "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")) {
        statement.execute();
      }
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      assertThat(show(connection, "transaction_isolation")).isEqualTo("repeatable read");
      connection.commit();
    }
  }

  @Test
  void startTransactionWithAnIsolationLevelInAutocommit() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.createStatement().execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      assertThat(show(connection, "transaction_isolation")).isEqualTo("repeatable read");
      connection.createStatement().execute("COMMIT");
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
    }
  }

  @Test
  void setSessionCharacteristicsRunsUnbound() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.createStatement().execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      connection.setAutoCommit(false);
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      assertThat(show(connection, "transaction_isolation")).isEqualTo("serializable");
      connection.commit();
      connection.createStatement().execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
      connection.commit();
    }
  }

  // ---- statements that must stay outside a transaction and read no tenant rows: run unbound, alone

  @Test
  void maintenanceStatementsRunInAutocommitWithOrWithoutATenant() throws SQLException {
    DataSource owner = TenantDataSource.wrap(adminPool);
    String database = "tenancy_stmt_" + Long.toHexString(System.nanoTime());
    try (Connection connection = owner.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("VACUUM invoices");
      statement.execute("DISCARD ALL");
      statement.execute("CHECKPOINT");
      statement.execute("CREATE INDEX CONCURRENTLY invoices_amount ON invoices (amount)");
      statement.execute("REINDEX INDEX CONCURRENTLY invoices_amount");
      statement.execute("DROP INDEX CONCURRENTLY invoices_amount");
      statement.execute("CREATE DATABASE " + database);
      statement.execute("DROP DATABASE " + database);
      try (TenantScope scope = TenantContext.open(ACME)) {
        statement.execute("/* maintenance */ VACUUM (ANALYZE) invoices;");
        try (PreparedStatement prepared = connection.prepareStatement("DISCARD TEMP")) {
          prepared.execute();
        }
        statement.execute("CREATE UNIQUE INDEX CONCURRENTLY invoices_key ON invoices (tenant_id, id, amount)");
      }
    }
  }

  @Test
  void statementsOutsideATransactionFailAsTheyDoOnTheDriver() throws SQLException {
    // ALTER SYSTEM as the application role: refused for want of privilege, as on the raw driver, not for running
    // inside a transaction block or a pipeline.
    String raw;
    try (Connection connection = pool.getConnection()) {
      raw = stateOf(() -> connection.createStatement().execute("ALTER SYSTEM SET work_mem = '4MB'"));
    }
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      assertThat(stateOf(() -> connection.createStatement().execute("ALTER SYSTEM SET work_mem = '4MB'")))
          .isEqualTo(raw).isEqualTo("42501");
      connection.setAutoCommit(false);
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      assertThat(stateOf(() -> connection.createStatement().execute("VACUUM invoices"))).isEqualTo("25001");
      connection.rollback();
    }
  }

  // ---- errors the data source raises itself

  @Test
  void errorsOfTheDataSourceHaveTheDriversClassAndState() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME);
         Connection wrapped = dataSource.getConnection()) {
      try (Connection raw = pool.getConnection()) {
        for (Connection connection : new Connection[] {raw, wrapped}) {
          PreparedStatement select = connection.prepareStatement("SELECT id FROM invoices WHERE id = ?");
          expectSame(() -> select.executeQuery("SELECT 1"));
          expectSame(() -> select.setInt(0, 1));
          PreparedStatement update = connection.prepareStatement("UPDATE invoices SET amount = amount WHERE id = 1");
          expectSame(update::executeQuery);
          PreparedStatement query = connection.prepareStatement("SELECT 1");
          expectSame(query::executeUpdate);
          select.close();
          expectSame(select::executeQuery);
        }
      }
      assertThat(recorded).hasSize(10);
      for (int i = 0; i < 5; i++) {
        assertThat(recorded[i + 5]).as("error %s", i).isEqualTo(recorded[i]);
      }
    }
  }

  @Test
  void nullSqlIsASyntaxErrorOfTheDriversClassInsteadOfTheDriversNullPointerException() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME);
         Connection wrapped = dataSource.getConnection();
         Statement statement = wrapped.createStatement()) {
      String expected = org.postgresql.util.PSQLException.class.getName() + " 42601";
      assertThat(classAndState(() -> statement.execute(null))).isEqualTo(expected);
      assertThat(classAndState(() -> statement.executeQuery(null))).isEqualTo(expected);
      assertThat(classAndState(() -> statement.addBatch(null))).isEqualTo(expected);
      assertThat(classAndState(() -> wrapped.prepareStatement(null))).isEqualTo(expected);
    }
  }

  private final String[] recorded = new String[10];
  private int count;

  private void expectSame(ThrowingRunnable action) {
    recorded[count++] = classAndState(action);
  }

  private static String classAndState(ThrowingRunnable action) {
    try {
      action.run();
      return "no error";
    } catch (SQLException e) {
      return e.getClass().getName() + " " + e.getSQLState();
    } catch (Exception e) {
      return e.getClass().getName();
    }
  }

  private static String stateOf(ThrowingRunnable action) {
    try {
      action.run();
      return "no error";
    } catch (SQLException e) {
      return e.getSQLState();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
