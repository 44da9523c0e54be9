package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static dev.tenancy.jdbc.Fixtures.allRows;
import static dev.tenancy.jdbc.Fixtures.rows;
import static dev.tenancy.jdbc.Fixtures.setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.NoTenantException;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.sql.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binding, directly against PostgreSQL, as an ordinary role (not superuser, not owner). */
@TenancyPostgres
class TenantDataSourceIT {

  private TestDatabase db;
  private TestRole app;
  private HikariDataSource pool;
  private TenantDataSource dataSource;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    app = Fixtures.invoices(db);
    // One connection, so every test reuses it across transactions and tenants.
    pool = Fixtures.pool(app.jdbcUrl(), 1, ConnectionSettings.DIRECT);
    dataSource = TenantDataSource.wrap(pool);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void statementsWithoutTenantPredicateOnlyTouchTheCurrentTenant() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      assertThat(rows(connection, "SELECT id FROM invoices ORDER BY id")).containsExactly("1", "2", "3");
      try (Statement statement = connection.createStatement()) {
        assertThat(statement.executeUpdate("UPDATE invoices SET amount = 0")).isEqualTo(3);
      }
      try (PreparedStatement statement = connection.prepareStatement("DELETE FROM invoices WHERE id = ?")) {
        statement.setLong(1, 1);
        assertThat(statement.executeUpdate()).isEqualTo(1);
      }
    }
    assertThat(allRows(db)).containsExactly("acme:2:0", "acme:3:0", "globex:1:1000", "globex:2:2000");
  }

  @Test
  void statementWithNoTenantIsRefusedBeforeItReachesTheDatabase() throws SQLException {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM invoices")) {
      assertThatThrownBy(statement::executeQuery)
          .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
          .hasMessageContaining("statement refused: no tenant in context")
          .hasCauseInstanceOf(NoTenantException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
      assertThatThrownBy(() -> connection.createStatement().executeUpdate("DELETE FROM invoices"))
          .isInstanceOf(SQLInvalidAuthorizationSpecException.class);
    }
    assertThat(allRows(db)).hasSize(5);
  }

  @Test
  void statementWithNoTenantSeesNothingAndWritesNothingWhenBindingNone() throws SQLException {
    TenantDataSource none = TenantDataSource.builder(pool).noTenantPolicy(NoTenantPolicy.BIND_NONE).build();
    try (Connection connection = none.getConnection()) {
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("0");
      assertThat(connection.createStatement().executeUpdate("UPDATE invoices SET amount = 0")).isZero();
      assertThat(connection.createStatement().executeUpdate("DELETE FROM invoices")).isZero();
      assertThatThrownBy(() -> connection.createStatement()
          .executeUpdate("INSERT INTO invoices (id, amount) VALUES (9, 9)")).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> connection.createStatement()
          .executeUpdate("INSERT INTO invoices (tenant_id, id, amount) VALUES ('acme', 9, 9)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("row-level security");
    }
    assertThat(allRows(db)).hasSize(5);
  }

  @Test
  void aConnectionThatBypassesTheDataSourceSeesNothingEvenAfterTenantWork() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
    }
    // Same physical connection, used raw: the transaction-local setting did not survive ('' after commit).
    try (Connection raw = pool.getConnection()) {
      assertThat(setting(raw)).isEmpty();
      assertThat(rows(raw, "SELECT count(*) FROM invoices")).containsExactly("0");
    }
  }

  @Test
  void everyTransactionOnAReusedConnectionIsBoundToItsOwnTenant() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
        connection.commit();
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("2");
        connection.rollback();
      }
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
        // A transaction ended by SQL text instead of commit(): the next statement is bound again.
        connection.createStatement().execute("COMMIT");
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("2");
        connection.commit();
      }
    }
  }

  @Test
  void switchingTenantInsideATransactionIsRefusedUntilItEnds() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
        try (TenantScope inner = TenantContext.open(GLOBEX)) {
          assertThatThrownBy(() -> rows(connection, "SELECT count(*) FROM invoices"))
              .isInstanceOf(SQLException.class)
              .hasMessageContaining("the open transaction belongs to tenant 'acme'")
              .hasMessageContaining("commit or roll back before switching tenants")
              .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
        }
        // Nothing was sent: the transaction is intact and still acme's.
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      }
      connection.commit();
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("2");
        connection.commit();
      }
    }
  }

  @Test
  void autocommitStatementsCarryTheTenantAndLeaveNothingBehind() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      assertThat(connection.getAutoCommit()).isTrue();
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(setting(connection)).isEqualTo("globex");
        try (PreparedStatement statement = connection.prepareStatement(
            "SELECT amount FROM invoices WHERE id = ?")) {
          statement.setLong(1, 2);
          try (ResultSet rs = statement.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(2000);
            assertThat(rs.next()).isFalse();
          }
        }
      }
      assertThat(setting(connection.unwrap(Connection.class))).isEmpty();
    }
  }

  @Test
  void tenantsCannotWriteRowsOfOtherTenantsNorLearnTheirKeys() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      assertThatThrownBy(() -> connection.createStatement()
          .executeUpdate("INSERT INTO invoices (tenant_id, id, amount) VALUES ('globex', 7, 7)"))
          .hasMessageContaining("row-level security");
      assertThatThrownBy(() -> connection.createStatement()
          .executeUpdate("UPDATE invoices SET tenant_id = 'globex' WHERE id = 1"))
          .hasMessageContaining("row-level security");
      // globex has no id 3 and acme has ids 1-3: inserting another tenant's existing key is no error.
      try (TenantScope inner = TenantContext.open(GLOBEX)) {
        assertThat(connection.createStatement().executeUpdate("INSERT INTO invoices (id, amount) VALUES (3, 3)"))
            .isEqualTo(1);
      }
    }
    assertThat(allRows(db)).contains("globex:3:3").hasSize(6);
  }

  @Test
  void batchesGeneratedKeysAndCallsAreBound() throws SQLException {
    db.execute("CREATE FUNCTION invoice_total() RETURNS bigint LANGUAGE sql STABLE AS "
        + "'SELECT coalesce(sum(amount), 0) FROM invoices'",
        "GRANT EXECUTE ON FUNCTION invoice_total() TO " + app.name());
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      try (PreparedStatement statement = connection.prepareStatement(
          "INSERT INTO invoices (id, amount) VALUES (?, ?)")) {
        for (long id = 10; id < 13; id++) {
          statement.setLong(1, id);
          statement.setLong(2, id);
          statement.addBatch();
        }
        assertThat(statement.executeBatch()).containsExactly(1, 1, 1);
      }
      try (PreparedStatement statement = connection.prepareStatement(
          "INSERT INTO invoices (id, amount) VALUES (20, 20)", Statement.RETURN_GENERATED_KEYS)) {
        assertThat(statement.executeUpdate()).isEqualTo(1);
        try (ResultSet keys = statement.getGeneratedKeys()) {
          assertThat(keys.next()).isTrue();
          assertThat(keys.getString("tenant_id")).isEqualTo("acme");
        }
      }
      try (CallableStatement call = connection.prepareCall("{? = call invoice_total()}")) {
        call.registerOutParameter(1, Types.BIGINT);
        call.execute();
        assertThat(call.getLong(1)).isEqualTo(100 + 200 + 300 + 10 + 11 + 12 + 20);
      }
    }
    assertThat(allRows(db)).contains("acme:10:10", "acme:11:11", "acme:12:12", "acme:20:20").hasSize(9);
  }

  @Test
  void preparedStatementsKeepTheirParametersAcrossRebinding() throws SQLException {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "SELECT count(*) FROM invoices WHERE amount >= ? AND id <= ?")) {
      connection.setAutoCommit(false);
      statement.setLong(1, 0);
      statement.setLong(2, 2);
      try (TenantScope scope = TenantContext.open(ACME)) {
        assertThat(count(statement)).isEqualTo(2); // bound in this round trip
        assertThat(count(statement)).isEqualTo(2); // already bound: the plain statement
        statement.setLong(1, 200);
        assertThat(count(statement)).isEqualTo(1);
        connection.commit();
      }
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        statement.clearParameters();
        statement.setLong(1, 2000);
        statement.setLong(2, 5);
        assertThat(count(statement)).isEqualTo(1);
        connection.commit();
      }
    }
  }

  @Test
  void builderRejectsBadSettingsAndSecondCalls() {
    assertThatThrownBy(() -> TenantDataSource.builder(pool).setting("tenant_id"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TenantDataSource.builder(pool).setting("app.x'; drop table t; --"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TenantDataSource.builder(pool).noTenantPolicy(NoTenantPolicy.REFUSE)
        .noTenantPolicy(NoTenantPolicy.BIND_NONE))
        .isInstanceOf(IllegalStateException.class);
  }

  /** Regression: ROLLBACK TO SAVEPOINT sent as SQL undid a binding the data source still counted on. */
  @Test
  void rollbackToSavepointAsSqlTextForcesRebinding() throws SQLException {
    try (Connection connection = dataSource.getConnection(); TenantScope scope = TenantContext.open(ACME)) {
      connection.setAutoCommit(false);
      connection.setSavepoint("s"); // before the binding, so rolling back to it undoes the binding
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      connection.createStatement().execute("ROLLBACK TO SAVEPOINT s");
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      connection.rollback();
    }
  }

  /** Regression: the same through the JDBC savepoint API. */
  @Test
  void rollbackToSavepointThroughJdbcForcesRebinding() throws SQLException {
    try (Connection connection = dataSource.getConnection(); TenantScope scope = TenantContext.open(ACME)) {
      connection.setAutoCommit(false);
      java.sql.Savepoint savepoint = connection.setSavepoint();
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      connection.rollback(savepoint);
      assertThat(rows(connection, "SELECT count(*) FROM invoices")).containsExactly("3");
      try (TenantScope other = TenantContext.open(GLOBEX)) {
        // The rollback to a savepoint undid the binding, not the transaction: it is still acme's.
        assertThatThrownBy(() -> rows(connection, "SELECT count(*) FROM invoices"))
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25000"));
      }
      connection.rollback();
    }
  }

  /** Regression: closeOnCompletion made the driver close a combined statement before its result was read. */
  @Test
  void closeOnCompletionStatementsRunOnceAndReturnTheirCount() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      PreparedStatement update = connection.prepareStatement("UPDATE invoices SET amount = amount + 1 WHERE id = ?");
      update.closeOnCompletion();
      update.setLong(1, 1);
      assertThat(update.executeUpdate()).isEqualTo(1);
      Statement statement = connection.createStatement();
      statement.closeOnCompletion();
      assertThat(statement.executeUpdate("UPDATE invoices SET amount = amount + 1 WHERE id = 2")).isEqualTo(1);
    }
    assertThat(allRows(db)).contains("acme:1:101", "acme:2:201");
  }

  /** Regression: parameter metadata described the combined statement, one parameter too many. */
  @Test
  void parameterMetadataDescribesTheUsersStatement() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement("SELECT amount FROM invoices WHERE id = ?")) {
      statement.setLong(1, 1);
      assertThat(count(statement)).isEqualTo(100);
      assertThat(statement.getParameterMetaData().getParameterCount()).isEqualTo(1);
      assertThat(statement.getMetaData().getColumnName(1)).isEqualTo("amount");
    }
  }

  /** Regression: a batch refused for lack of a tenant stayed queued and ran later under another tenant. */
  @Test
  void refusedBatchIsDiscarded() throws SQLException {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement insert = connection.prepareStatement("INSERT INTO invoices (id, amount) VALUES (?, 1)")) {
      insert.setLong(1, 50);
      insert.addBatch();
      assertThatThrownBy(insert::executeBatch).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(insert.executeBatch()).isEmpty();
      }
    }
    assertThat(allRows(db)).hasSize(5);
  }

  private static long count(PreparedStatement statement) throws SQLException {
    try (ResultSet rs = statement.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void refusedPlainAndCallableBatchesAreDiscarded() throws SQLException {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
         CallableStatement call = connection.prepareCall("INSERT INTO invoices (id, amount) VALUES (?, 1)")) {
      statement.addBatch("INSERT INTO invoices (id, amount) VALUES (51, 1)");
      call.setLong(1, 52);
      call.addBatch();
      assertThatThrownBy(statement::executeBatch).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
      assertThatThrownBy(call::executeBatch).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        assertThat(statement.executeBatch()).isEmpty();
        assertThat(call.executeBatch()).isEmpty();
      }
    }
    assertThat(allRows(db)).hasSize(5);
  }

  @Test
  void preparedStatementsRefuseSqlTextAndKeepParametersOfGeneratedKeyStatements() throws SQLException {
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "INSERT INTO invoices (id, amount) VALUES (?, ?)", new String[] {"id"})) {
      // JDBC forbids SQL text on a prepared statement; here it could also run unbound, so it fails before.
      assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM invoices"))
          .isInstanceOf(SQLException.class).hasMessageContaining("not allowed on a prepared statement");
      assertThatThrownBy(() -> statement.setLong(0, 1)).isInstanceOf(SQLException.class)
          .hasMessageContaining("out of range: 0");
      statement.setLong(1, 30);
      statement.setLong(2, 31);
      statement.setQueryTimeout(5);
      assertThat(statement.executeUpdate()).isEqualTo(1);
      assertThat(statement.getQueryTimeout()).isEqualTo(5);
      try (ResultSet keys = statement.getGeneratedKeys()) {
        assertThat(keys.next()).isTrue();
        assertThat(keys.getLong("id")).isEqualTo(30);
      }
      assertThat(statement.getConnection()).isSameAs(connection);
    }
    assertThat(allRows(db)).contains("acme:30:31").hasSize(6);
  }

  @Test
  void resultSetsAndMetadataLeadBackToBindingObjectsOnly() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      Statement plain;
      ResultSet fromPlain;
      try (TenantScope scope = TenantContext.open(ACME)) {
        plain = connection.createStatement();
        fromPlain = plain.executeQuery("SELECT count(*) FROM invoices");
        assertThat(fromPlain.getStatement()).isSameAs(plain);
        assertThat(plain.getResultSet()).isSameAs(fromPlain);
        try (PreparedStatement prepared = connection.prepareStatement("SELECT id FROM invoices WHERE id = ?")) {
          prepared.setLong(1, 1);
          try (ResultSet rs = prepared.executeQuery()) { // combined with the binding
            assertThat(rs.getStatement()).isSameAs(prepared);
          }
          assertThat(prepared.execute()).isTrue(); // bound already: the user's SQL alone
          assertThat(prepared.getResultSet().getStatement()).isSameAs(prepared);
        }
        try (CallableStatement call = connection.prepareCall("{call pg_sleep(0)}");
             ResultSet rs = call.executeQuery()) {
          assertThat(rs.getStatement()).isSameAs(call);
        }
      }
      connection.commit(); // a transaction serves one tenant
      // The statement reached through a result set binds like any other: here the next tenant's.
      try (TenantScope scope = TenantContext.open(GLOBEX)) {
        try (ResultSet rs = fromPlain.getStatement().executeQuery("SELECT count(*) FROM invoices")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(2);
        }
        DatabaseMetaData metaData = connection.getMetaData();
        assertThat(rows(metaData.getConnection(), "SELECT count(*) FROM invoices")).containsExactly("2");
        try (ResultSet tables = metaData.getTables(null, null, "invoices", null)) {
          assertThat(tables.next()).isTrue();
          assertThat(rows(tables.getStatement().getConnection(), "SELECT count(*) FROM invoices"))
              .containsExactly("2");
        }
      }
      connection.commit();
      // Through the metadata's connection, a statement with no tenant sees nothing rather than being refused:
      // frameworks read the server version so at startup.
      assertThat(rows(connection.getMetaData().getConnection(), "SELECT count(*) FROM invoices"))
          .containsExactly("0");
      assertThat(rows(connection.getMetaData().getConnection(), "SELECT version()")).hasSize(1);
      assertThatThrownBy(() -> rows(connection, "SELECT count(*) FROM invoices"))
          .isInstanceOf(SQLInvalidAuthorizationSpecException.class);
      connection.rollback();
      plain.close();
    }
  }

  @Test
  void theResultSetsOfArraysLeadBackToBindingStatements() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      Array fromColumn;
      Object fromObject;
      Array fromCall;
      try (TenantScope scope = TenantContext.open(ACME)) { // acme is bound in this transaction from here on
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT ARRAY[1, 2, 3], ARRAY['a', 'b']")) {
          assertThat(rs.next()).isTrue();
          fromColumn = rs.getArray(1);
          fromObject = rs.getObject(2);
          assertThat(rs.getObject(1, Array.class)).isInstanceOf(BindingArray.class);
        }
        try (CallableStatement call = connection.prepareCall("{? = call string_to_array('x,y', ',')}")) {
          call.registerOutParameter(1, Types.ARRAY);
          call.execute();
          fromCall = call.getArray(1);
        }
        try (ResultSet elements = fromColumn.getResultSet()) {
          assertThat(elements.next()).isTrue();
          assertThat(elements.getInt(2)).isEqualTo(1); // the array's data is the driver's, unchanged
        }
        assertThat((Object[]) fromCall.getArray()).containsExactly("x", "y");
        assertThat(fromColumn.toString()).isEqualTo("{1,2,3}");
      }
      connection.commit(); // a transaction serves one tenant
      // The driver runs an array's result set on a statement of its own; through ours, its statements bind the
      // tenant in context (globex) instead of running unbound, or run at all without one.
      assertThat(fromObject).isInstanceOf(Array.class);
      for (Array array : new Array[] {fromColumn, (Array) fromObject, fromCall}) {
        try (ResultSet elements = array.getResultSet(1, 1)) {
          Statement statement = elements.getStatement();
          try (TenantScope scope = TenantContext.open(GLOBEX);
               ResultSet count = statement.executeQuery("SELECT count(*) FROM invoices")) {
            assertThat(count.next()).isTrue();
            assertThat(count.getLong(1)).isEqualTo(2);
          }
          assertThatThrownBy(() -> statement.executeQuery("SELECT count(*) FROM invoices"))
              .isInstanceOf(SQLInvalidAuthorizationSpecException.class);
          assertThat(statement.getConnection()).isSameAs(connection);
        }
      }
      connection.rollback();
    }
  }

  @Test
  void updatableResultSetsWriteAsTheCurrentTenantOnly() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      assertThat(connection.getAutoCommit()).isTrue();
      try (TenantScope scope = TenantContext.open(GLOBEX);
           Statement statement = connection.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE,
               ResultSet.CONCUR_UPDATABLE);
           ResultSet rs = statement.executeQuery("SELECT tenant_id, id, amount FROM invoices ORDER BY id")) {
        assertThat(rs.next()).isTrue();
        rs.updateLong("amount", 1001);
        rs.updateRow(); // in autocommit: bound in a transaction of its own
        assertThat(rs.next()).isTrue();
        rs.deleteRow();
        rs.moveToInsertRow();
        rs.updateString("tenant_id", "globex");
        rs.updateLong("id", 7);
        rs.updateLong("amount", 7000);
        rs.insertRow();
        rs.moveToCurrentRow();
        assertThat(rs.first()).isTrue();
        rs.refreshRow();
        assertThat(rs.getLong("amount")).isEqualTo(1001);
      }
      // Read as globex, written in acme's context: the policy hides the row, so the driver's UPDATE changes nothing
      // (pgjdbc does not check the count; the rows below show globex:1 unchanged).
      try (TenantScope scope = TenantContext.open(GLOBEX);
           Statement statement = connection.createStatement(ResultSet.TYPE_FORWARD_ONLY,
               ResultSet.CONCUR_UPDATABLE);
           ResultSet rs = statement.executeQuery("SELECT tenant_id, id, amount FROM invoices WHERE id = 1")) {
        assertThat(rs.next()).isTrue();
        try (TenantScope other = TenantContext.open(ACME)) {
          rs.updateLong("amount", 666);
          rs.updateRow();
        }
      }
      // With no tenant the driver's SQL is refused like any statement.
      try (Statement statement = connection.createStatement(ResultSet.TYPE_FORWARD_ONLY,
               ResultSet.CONCUR_UPDATABLE);
           ResultSet rs = queryAs(GLOBEX, statement, "SELECT tenant_id, id, amount FROM invoices WHERE id = 1")) {
        assertThat(rs.next()).isTrue();
        rs.updateLong("amount", 667);
        assertThatThrownBy(rs::updateRow).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
      }
    }
    assertThat(allRows(db)).containsExactly("acme:1:100", "acme:2:200", "acme:3:300", "globex:1:1001",
        "globex:7:7000");
  }

  private static ResultSet queryAs(TenantId tenant, Statement statement, String sql) throws SQLException {
    try (TenantScope scope = TenantContext.open(tenant)) {
      return statement.executeQuery(sql);
    }
  }
}
