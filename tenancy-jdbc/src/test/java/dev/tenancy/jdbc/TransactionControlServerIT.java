package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The transaction-control scan against what PostgreSQL actually does: generated SQL with comments ({@code --} and
 * nested block comments), quotes, {@code E''} strings, dollar quotes, quoted identifiers and every line end, run
 * inside a transaction that has an id; if the transaction id is gone afterwards, the server ended the transaction
 * and the scan must have said so (it may over-match, never miss).
 */
class TransactionControlServerIT {

  private static TestDatabase db;
  private static Connection connection;

  @BeforeContainer
  static void connect() throws SQLException {
    db = TestDatabase.create();
    connection = db.adminDataSource().getConnection();
    connection.setAutoCommit(false);
  }

  @AfterContainer
  static void close() throws SQLException {
    if (connection != null) {
      connection.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private static final List<String> LINE_ENDS = List.of("\n", "\r", "\r\n");

  /** Text between statements: white space and comments, some hiding a COMMIT, some ended by any line end. */
  private static Arbitrary<String> filler() {
    Arbitrary<String> lineEnd = Arbitraries.of(LINE_ENDS);
    return Arbitraries.oneOf(
        Arbitraries.of(" ", "\t", "", "/* commit */", "/* a /* nested commit */ still comment */ "),
        lineEnd,
        Combinators.combine(Arbitraries.of("--", "-- commit", "--x", "-- /* "), lineEnd).as((c, e) -> c + e));
  }

  /** One statement: harmless ones whose text mentions transaction control, and real transaction ends. */
  private static Arbitrary<String> statement() {
    return Arbitraries.of(
        "SELECT 1",
        "SELECT ';commit'",
        "SELECT 'it''s; commit'",
        "SELECT E'\\'; commit'",
        "SELECT $t$; commit $t$",
        "SELECT $$ -- \n commit $$",
        "SELECT 1 AS \"commit\"",
        "SELECT 1 AS \"; commit\"",
        "COMMIT AND CHAIN",
        "ROLLBACK AND CHAIN",
        "END AND CHAIN");
  }

  @Provide
  Arbitrary<String> sql() {
    Arbitrary<String> segment = Combinators.combine(filler(), statement(), filler()).as((a, s, b) -> a + s + b);
    return segment.list().ofMinSize(1).ofMaxSize(4).map(segments -> String.join(";", segments));
  }

  @Property(tries = 300)
  void whenTheServerEndsTheTransactionTheScanSaysSo(@ForAll("sql") String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SELECT txid_current()"); // gives the open transaction an id
      statement.execute(sql);
      boolean ended;
      try (ResultSet rs = statement.executeQuery("SELECT txid_current_if_assigned()")) {
        rs.next();
        ended = rs.getObject(1) == null; // a new transaction has no id yet
      }
      if (ended) {
        assertThat(Binder.isTransactionControl(sql)).as("the server ended the transaction on %s", sql).isTrue();
      }
    } finally {
      connection.rollback();
    }
  }
}
