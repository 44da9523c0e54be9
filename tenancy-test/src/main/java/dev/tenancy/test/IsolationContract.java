package dev.tenancy.test;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.jspecify.annotations.Nullable;

/**
 * The isolation contract "tenant A never sees, changes or learns of tenant B's rows", written once and run
 * against any tenant-binding {@link DataSource}: direct, through PgBouncer, schema- or database-per-tenant.
 * Users run it through {@link IsolationContractSuite}.
 *
 * <p>A program is a random interleaving of {@link Step}s by several tenants — reads, inserts, updates and
 * deletes without any tenant predicate, inserts that try to write another tenant's row, commits and rollbacks
 * (through JDBC and as SQL text), savepoints, result sets left open and read later, temporary tables and holdable
 * cursors left on the session — on a few connections held for the whole program, so that connections and prepared
 * statements are shared across tenants. A transaction serves one tenant: a statement of another tenant inside it,
 * or a read of its open result set by another tenant, must be refused (SQLState {@code 25000}). Every result is checked against a model of each tenant's rows, and at the end the
 * whole table, read by the administrator, must equal the model: nothing seen, changed or lost across tenants.
 *
 * <p>Not thread-safe: run one program at a time.
 */
final class IsolationContract {

  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  /** The SQLState of a statement refused because the open transaction belongs to another tenant. */
  private static final String REFUSED = "25000";

  private final DataSource admin;
  private final String table;
  private final String setting;

  private IsolationContract(DataSource admin, String table, String setting) {
    this.admin = admin;
    this.table = table;
    this.setting = setting;
  }

  /**
   * Starts configuring the contract.
   *
   * @param admin a data source for a role that may create tables and read every row (it bypasses RLS)
   * @return a builder
   */
  public static Builder builder(DataSource admin) {
    return new Builder(admin);
  }

  /**
   * The steps a program is made of: an operation and the lane (connection) it runs on. Keys are small so that
   * tenants' keys collide: a tenant inserting a key another tenant already has must succeed without learning
   * anything.
   *
   * @return an arbitrary of steps
   */
  public static Arbitrary<Step> steps() {
    return steps(true);
  }

  /**
   * The steps of a program, with or without the operations on session objects (temporary tables and holdable
   * cursors).
   *
   * @param sessionObjects include {@link TempTable}, {@link ReadTempTable}, {@link HoldCursor} and
   *     {@link FetchHoldCursor}
   * @return an arbitrary of steps
   */
  public static Arbitrary<Step> steps(boolean sessionObjects) {
    Arbitrary<Integer> key = Arbitraries.integers().between(0, 4);
    Arbitrary<Integer> value = Arbitraries.integers().between(0, 999);
    Arbitrary<Boolean> autocommit = Arbitraries.of(false, false, false, true);
    Arbitrary<Boolean> sqlText = Arbitraries.of(false, true);
    List<Tuple.Tuple2<Integer, Arbitrary<? extends Operation>>> operations = new ArrayList<>(List.of(
        Tuple.of(4, Combinators.combine(key, value, autocommit).as(Insert::new)),
        Tuple.of(3, Combinators.combine(key, value, autocommit).as(Update::new)),
        Tuple.of(1, Combinators.combine(value, autocommit).as(UpdateAll::new)),
        Tuple.of(2, Combinators.combine(key, autocommit).as(Delete::new)),
        Tuple.of(3, autocommit.map(ReadAll::new)),
        Tuple.of(3, Combinators.combine(key, autocommit).as(ReadKey::new)),
        Tuple.of(1, key.map(InsertForeign::new)),
        Tuple.of(2, sqlText.map(Commit::new)),
        Tuple.of(1, sqlText.map(Rollback::new)),
        Tuple.of(1, Arbitraries.just(new Savepoint())),
        Tuple.of(1, sqlText.map(RollbackToSavepoint::new)),
        Tuple.of(1, Arbitraries.just(new OpenResultSet())),
        Tuple.of(2, Arbitraries.just(new ReadOpenResultSet()))));
    if (sessionObjects) {
      operations.add(Tuple.of(1, autocommit.map(TempTable::new)));
      operations.add(Tuple.of(1, autocommit.map(ReadTempTable::new)));
      operations.add(Tuple.of(1, Arbitraries.just(new HoldCursor())));
      operations.add(Tuple.of(1, autocommit.map(FetchHoldCursor::new)));
    }
    @SuppressWarnings("unchecked")
    Tuple.Tuple2<Integer, Arbitrary<? extends Operation>>[] weighted = operations.toArray(new Tuple.Tuple2[0]);
    Arbitrary<Operation> operation = Arbitraries.frequencyOf(weighted);
    return Combinators.combine(Arbitraries.integers().between(0, 2), operation).as(Step::new);
  }

  /**
   * One step of a program for one tenant.
   *
   * @param lane which of the program's connections runs it (modulo the pool size)
   * @param operation what it does
   */
  public record Step(int lane, Operation operation) {}

  /** What a step does. */
  public sealed interface Operation permits Insert, Update, UpdateAll, Delete, ReadAll, ReadKey, InsertForeign,
      Commit, Rollback, Savepoint, RollbackToSavepoint, OpenResultSet, ReadOpenResultSet, TempTable, ReadTempTable,
      HoldCursor, FetchHoldCursor {}

  /**
   * Insert {@code key} for the current tenant, without naming the tenant (the column default supplies it).
   *
   * @param key the key
   * @param value the value
   * @param autocommit run in autocommit (committing the lane's open transaction first)
   */
  public record Insert(int key, int value, boolean autocommit) implements Operation {}

  /**
   * {@code UPDATE t SET val = ? WHERE id = ?} — no tenant predicate.
   *
   * @param key the key
   * @param value the new value
   * @param autocommit run in autocommit
   */
  public record Update(int key, int value, boolean autocommit) implements Operation {}

  /**
   * {@code UPDATE t SET val = ?} — every row the statement can reach.
   *
   * @param value the new value
   * @param autocommit run in autocommit
   */
  public record UpdateAll(int value, boolean autocommit) implements Operation {}

  /**
   * {@code DELETE FROM t WHERE id = ?} — no tenant predicate.
   *
   * @param key the key
   * @param autocommit run in autocommit
   */
  public record Delete(int key, boolean autocommit) implements Operation {}

  /**
   * {@code SELECT * FROM t} with a plain statement.
   *
   * @param autocommit run in autocommit
   */
  public record ReadAll(boolean autocommit) implements Operation {}

  /**
   * {@code SELECT val FROM t WHERE id = ?}.
   *
   * @param key the key
   * @param autocommit run in autocommit
   */
  public record ReadKey(int key, boolean autocommit) implements Operation {}

  /**
   * Insert a row naming another tenant explicitly: must be refused by row-level security (SQLState 42501), which
   * aborts the lane's transaction.
   *
   * @param key the key
   */
  public record InsertForeign(int key) implements Operation {}

  /**
   * Commit the lane's transaction, whichever tenants wrote in it.
   *
   * @param sqlText send {@code COMMIT} as SQL text instead of calling {@code commit()}
   */
  public record Commit(boolean sqlText) implements Operation {}

  /**
   * Roll back the lane's transaction.
   *
   * @param sqlText send {@code ROLLBACK} as SQL text instead of calling {@code rollback()}
   */
  public record Rollback(boolean sqlText) implements Operation {}

  /** Set a savepoint in the lane's transaction (through JDBC). */
  public record Savepoint() implements Operation {}

  /**
   * Roll the lane's transaction back to its savepoint, if it has one.
   *
   * @param sqlText send {@code ROLLBACK TO SAVEPOINT} as SQL text instead of calling {@code rollback(savepoint)}
   */
  public record RollbackToSavepoint(boolean sqlText) implements Operation {}

  /**
   * Open a result set on the lane's transaction that fetches one row at a time (a fetch size inside a
   * transaction), read its first row and keep it open: the server produces its later rows when they are fetched.
   */
  public record OpenResultSet() implements Operation {}

  /**
   * Read up to two more rows of the lane's open result set. Under the tenant whose transaction opened it, they
   * must be that tenant's rows; under another tenant the read must be refused (SQLState {@code 25000}).
   */
  public record ReadOpenResultSet() implements Operation {}

  /**
   * {@code CREATE TEMP TABLE IF NOT EXISTS} a copy of the rows the tenant sees, left on the session.
   *
   * @param autocommit run in autocommit
   */
  public record TempTable(boolean autocommit) implements Operation {}

  /**
   * Read the temporary table, if the session has one: it must hold none but the current tenant's rows.
   *
   * @param autocommit run in autocommit
   */
  public record ReadTempTable(boolean autocommit) implements Operation {}

  /** {@code DECLARE ... CURSOR WITH HOLD} over the rows the tenant sees, in autocommit: it outlives the statement. */
  public record HoldCursor() implements Operation {}

  /**
   * Fetch two rows from the holdable cursor, if the session has one: they must be the current tenant's.
   *
   * @param autocommit run in autocommit
   */
  public record FetchHoldCursor(boolean autocommit) implements Operation {}

  /**
   * Runs a program and checks every step, then checks the whole table as the administrator. The table is
   * emptied first, so programs are independent.
   *
   * <p>The program holds one connection per lane for its whole length, so a connection carries many
   * transactions, a transaction carries statements of several tenants, and prepared statements are reused
   * across transactions and tenants. The model follows PostgreSQL's READ COMMITTED semantics: a statement sees
   * what was committed before it plus its own transaction's changes. A tenant's uncommitted writes live on one
   * lane at a time (another lane's write to the same rows would wait for the lock and stall the program), so the
   * program commits the other lane first.
   *
   * @param pool the tenant-binding data source under test, backed by a pool of at least {@code poolSize}
   *     connections
   * @param poolSize how many connections (lanes) the program holds at once (1 to 3 in the suites)
   * @param program the interleaving to run
   * @throws AssertionError describing the first violation
   */
  public void run(DataSource pool, int poolSize, List<TenantStep<Step>> program) {
    run(pool, poolSize, program, null);
  }

  /**
   * Runs a program like {@link #run(DataSource, int, List)}, then also checks that every connection of
   * {@code raw} — the pool under the tenant-binding data source — carries no tenant setting once the program's
   * connections are closed.
   *
   * @param pool the tenant-binding data source under test
   * @param poolSize how many connections the program holds at once
   * @param program the interleaving to run
   * @param raw the pool {@code pool} wraps, or null to skip the check
   */
  public void run(DataSource pool, int poolSize, List<TenantStep<Step>> program, @Nullable DataSource raw) {
    Objects.requireNonNull(pool, "pool");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1 but was " + poolSize);
    }
    adminExecute("TRUNCATE " + table);
    new Run(pool, poolSize, program).execute();
    if (raw != null) {
      checkNothingBound(raw, poolSize);
    }
  }

  private void checkNothingBound(DataSource raw, int poolSize) {
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < poolSize; i++) {
        Connection connection = raw.getConnection();
        held.add(connection);
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT current_setting('" + setting + "', true)")) {
          rs.next();
          String value = rs.getString(1);
          if (value != null && !value.isEmpty()) {
            throw new AssertionError("a pooled connection still carries tenant '" + value + "' in " + setting
                + " after the program's connections were closed");
          }
        }
        if (!connection.getAutoCommit()) {
          connection.rollback();
        }
      }
    } catch (SQLException e) {
      throw new TestKitException("could not read " + setting + " on the raw pool: " + e.getMessage(), e);
    } finally {
      for (Connection connection : held) {
        try {
          connection.close();
        } catch (SQLException ignored) {
          // the check's result is what matters
        }
      }
    }
  }

  private final class Run {
    private final DataSource pool;
    private final List<TenantStep<Step>> program;
    private final Map<TenantId, Map<Integer, Integer>> committed = new HashMap<>();
    private final Lane[] lanes;
    private final List<TenantId> tenants = new ArrayList<>();
    private int step;

    Run(DataSource pool, int poolSize, List<TenantStep<Step>> program) {
      this.pool = pool;
      this.program = program;
      this.lanes = new Lane[poolSize];
      for (TenantStep<Step> s : program) {
        if (!tenants.contains(s.tenant())) {
          tenants.add(s.tenant());
        }
      }
    }

    void execute() {
      try {
        for (step = 0; step < program.size(); step++) {
          TenantStep<Step> s = program.get(step);
          try (TenantScope scope = TenantContext.open(s.tenant())) {
            // Opened in the tenant's scope: a session-binding data source binds on checkout.
            Lane lane = lane(Math.floorMod(s.operation().lane(), lanes.length));
            apply(s.tenant(), lane, s.operation().operation());
          }
        }
        for (Lane lane : lanes) {
          if (lane != null) {
            commit(lane, false);
          }
        }
      } catch (SQLException e) {
        throw new AssertionError(where() + "unexpected SQL error: " + e.getMessage(), e);
      } finally {
        for (Lane lane : lanes) {
          if (lane != null) {
            lane.close();
          }
        }
      }
      Map<TenantId, Map<Integer, Integer>> actual = adminReadAll();
      Map<TenantId, Map<Integer, Integer>> expected = new HashMap<>();
      committed.forEach((tenant, rows) -> {
        if (!rows.isEmpty()) {
          expected.put(tenant, rows);
        }
      });
      if (!actual.equals(expected)) {
        throw new AssertionError("after the program the table holds " + actual + " but the model says "
            + expected + " (a write crossed tenants or was lost); program: " + program);
      }
    }

    private Lane lane(int index) throws SQLException {
      if (lanes[index] == null) {
        Connection connection = pool.getConnection();
        connection.setAutoCommit(false);
        lanes[index] = new Lane(connection);
      }
      return lanes[index];
    }

    private String where() {
      return "step " + step + " " + (step < program.size() ? program.get(step) : "(end)") + " of " + program + ": ";
    }

    private void apply(TenantId tenant, Lane lane, Operation operation) throws SQLException {
      if (lane.owner != null && !lane.owner.equals(tenant) && statementInTransaction(lane, operation)) {
        expectRefused(tenant, lane, operation);
        return;
      }
      if (operation instanceof OpenResultSet) {
        lane.closeResults();
        Statement statement = lane.connection.createStatement();
        statement.setFetchSize(1);
        lane.results = statement.executeQuery("SELECT tenant_id FROM " + table + " ORDER BY id");
        lane.resultsStatement = statement;
        lane.resultsTenant = tenant;
        lane.owner = tenant;
        readResults(tenant, lane, 1);
        return;
      }
      if (operation instanceof ReadOpenResultSet) {
        readResults(tenant, lane, 2);
        return;
      }
      if (operation instanceof Commit commit) {
        commit(lane, commit.sqlText());
        return;
      }
      if (operation instanceof Rollback rollback) {
        if (rollback.sqlText()) {
          try (Statement statement = lane.connection.createStatement()) {
            statement.execute("ROLLBACK");
          }
        } else {
          lane.connection.rollback();
        }
        lane.discard();
        return;
      }
      if (operation instanceof Savepoint) {
        lane.savepoint = lane.connection.setSavepoint("contract");
        lane.atSavepoint = lane.copyPending();
        return;
      }
      if (operation instanceof RollbackToSavepoint back) {
        if (lane.savepoint == null) {
          return;
        }
        if (back.sqlText()) {
          try (Statement statement = lane.connection.createStatement()) {
            statement.execute("ROLLBACK TO SAVEPOINT contract");
          }
        } else {
          lane.connection.rollback(lane.savepoint);
        }
        if (back.sqlText()) {
          lane.owner = tenant; // a statement of this tenant ran in the transaction
        }
        lane.closeResults(); // opened after the savepoint, its portal is gone
        lane.pending.clear();
        lane.atSavepoint.forEach((t, delta) -> lane.pending.put(t, new HashMap<>(delta)));
        return;
      }
      if (writes(operation)) {
        // Another lane's uncommitted write to this tenant's rows would make this statement wait for its lock.
        for (Lane other : lanes) {
          if (other != null && other != lane && other.hasPending(tenant)) {
            commit(other, false);
          }
        }
      }
      if (autocommit(operation)) {
        lane.connection.setAutoCommit(true); // commits the lane's open transaction
        lane.merge();
        try {
          Map<Integer, Integer> view = view(tenant, null);
          Map<Integer, Integer> delta = new HashMap<>();
          perform(tenant, lane, view, delta, operation);
          applyDelta(committed.computeIfAbsent(tenant, t -> new TreeMap<>()), delta);
        } catch (ExpectedFailure e) {
          // the statement's implicit transaction was rolled back: nothing changed
        } finally {
          lane.connection.setAutoCommit(false);
        }
        return;
      }
      Map<Integer, Integer> delta = lane.pending.computeIfAbsent(tenant, t -> new HashMap<>());
      Map<Integer, Integer> view = view(tenant, delta);
      try {
        perform(tenant, lane, view, delta, operation);
        lane.owner = tenant;
      } catch (ExpectedFailure e) {
        lane.connection.rollback(); // the failed statement aborted the whole transaction
        lane.discard();
      }
    }

    /** Whether {@code operation} sends a statement inside the lane's open transaction. */
    private boolean statementInTransaction(Lane lane, Operation operation) {
      if (operation instanceof Commit o) {
        return o.sqlText();
      }
      if (operation instanceof Rollback o) {
        return o.sqlText();
      }
      if (operation instanceof RollbackToSavepoint o) {
        return o.sqlText() && lane.savepoint != null;
      }
      if (operation instanceof Savepoint || operation instanceof ReadOpenResultSet) {
        return false;
      }
      return operation instanceof OpenResultSet || !autocommit(operation);
    }

    /**
     * A transaction serves one tenant: a statement of another tenant in it must be refused before it runs
     * (SQLState {@code 25000}), leaving the transaction as it was.
     */
    private void expectRefused(TenantId tenant, Lane lane, Operation operation) {
      try {
        attempt(lane, operation);
      } catch (SQLException e) {
        if (REFUSED.equals(e.getSQLState())) {
          return;
        }
        throw new AssertionError(where() + "a statement of tenant " + tenant + " in the open transaction of tenant "
            + lane.owner + " failed with " + e.getSQLState() + " instead of being refused (" + REFUSED + "): "
            + e.getMessage(), e);
      }
      throw new AssertionError(where() + "tenant " + tenant + " ran a statement in the open transaction of tenant "
          + lane.owner + "; a transaction serves one tenant, so it must be refused (SQLState " + REFUSED + ")");
    }

    /** Sends the statement of {@code operation} without checking its result. */
    private void attempt(Lane lane, Operation operation) throws SQLException {
      String sql;
      if (operation instanceof Commit) {
        sql = "COMMIT";
      } else if (operation instanceof Rollback) {
        sql = "ROLLBACK";
      } else if (operation instanceof RollbackToSavepoint) {
        sql = "ROLLBACK TO SAVEPOINT contract";
      } else if (operation instanceof Insert o) {
        PreparedStatement statement = lane.prepare("INSERT INTO " + table + " (id, val) VALUES (?, ?)");
        statement.setInt(1, o.key());
        statement.setInt(2, o.value());
        statement.executeUpdate();
        return;
      } else if (operation instanceof ReadKey o) {
        PreparedStatement statement = lane.prepare("SELECT val FROM " + table + " WHERE id = ?");
        statement.setInt(1, o.key());
        statement.executeQuery().close();
        return;
      } else if (operation instanceof Update || operation instanceof UpdateAll || operation instanceof Delete
          || operation instanceof InsertForeign) {
        sql = "UPDATE " + table + " SET val = val WHERE id < 0";
      } else if (operation instanceof TempTable || operation instanceof ReadTempTable) {
        sql = "SELECT count(*) FROM pg_class WHERE relname = 'contract_temp'";
      } else {
        sql = "SELECT tenant_id FROM " + table;
      }
      try (Statement statement = lane.connection.createStatement()) {
        statement.execute(sql);
      }
    }

    /** Reads up to {@code count} rows of the lane's open result set as {@code tenant}. */
    private void readResults(TenantId tenant, Lane lane, int count) throws SQLException {
      ResultSet results = lane.results;
      if (results == null) {
        return;
      }
      if (!tenant.equals(lane.resultsTenant)) {
        try {
          if (results.next()) {
            throw new AssertionError(where() + "tenant " + tenant + " read a row of tenant " + results.getString(1)
                + " from the open result set of tenant " + lane.resultsTenant + "'s transaction");
          }
        } catch (SQLException e) {
          if (!REFUSED.equals(e.getSQLState())) {
            throw new AssertionError(where() + "reading tenant " + lane.resultsTenant + "'s open result set as "
                + tenant + " failed with " + e.getSQLState() + " instead of being refused (" + REFUSED + "): "
                + e.getMessage(), e);
          }
        }
        return;
      }
      for (int i = 0; i < count && results.next(); i++) {
        check(results.getString(1).equals(tenant.value()), "tenant " + tenant + " read a row of tenant "
            + results.getString(1) + " from its own open result set");
      }
    }

    private void commit(Lane lane, boolean sqlText) throws SQLException {
      if (sqlText) {
        try (Statement statement = lane.connection.createStatement()) {
          statement.execute("COMMIT");
        }
      } else {
        lane.connection.commit();
      }
      lane.merge();
    }

    /** What a statement of {@code tenant} sees: the committed rows overlaid with the lane's own changes. */
    private Map<Integer, Integer> view(TenantId tenant, @Nullable Map<Integer, Integer> delta) {
      Map<Integer, Integer> view = new TreeMap<>(committed.getOrDefault(tenant, Map.of()));
      if (delta != null) {
        applyDelta(view, delta);
      }
      return view;
    }

    /**
     * Performs one operation on {@code view} (what the tenant sees) and records changes in {@code delta}.
     *
     * @throws ExpectedFailure when it failed as the model expects (the transaction is then aborted)
     */
    private void perform(TenantId tenant, Lane lane, Map<Integer, Integer> view, Map<Integer, Integer> delta,
        Operation operation) throws SQLException {
      Connection connection = lane.connection;
      if (operation instanceof Insert insert) {
        try {
          PreparedStatement statement = lane.prepare("INSERT INTO " + table + " (id, val) VALUES (?, ?)");
          statement.setInt(1, insert.key());
          statement.setInt(2, insert.value());
          statement.executeUpdate();
        } catch (SQLException e) {
          if (view.containsKey(insert.key()) && "23505".equals(e.getSQLState())) {
            throw new ExpectedFailure(); // the tenant's own duplicate
          }
          throw new AssertionError(where() + "insert of a key the tenant does not have failed: " + e.getMessage()
              + (other(tenant, insert.key()) ? " (another tenant has this key: existence leaked)" : ""), e);
        }
        check(!view.containsKey(insert.key()), "inserted a duplicate of the tenant's own key " + insert.key());
        delta.put(insert.key(), insert.value());
        return;
      }
      if (operation instanceof InsertForeign foreign) {
        TenantId victim = tenants.stream().filter(t -> !t.equals(tenant)).findFirst()
            .orElse(TenantId.of(tenant.value().equals("zz-victim") ? "zz-other" : "zz-victim"));
        try {
          PreparedStatement statement = lane.prepare(
              "INSERT INTO " + table + " (tenant_id, id, val) VALUES (?, ?, 0)");
          statement.setString(1, victim.value());
          statement.setInt(2, foreign.key());
          statement.executeUpdate();
        } catch (SQLException e) {
          // Only a row-level security refusal counts: a duplicate-key error would reveal the victim's key.
          if ("42501".equals(e.getSQLState())) {
            throw new ExpectedFailure();
          }
          throw new AssertionError(where() + "writing a row for another tenant failed with " + e.getSQLState()
              + " instead of a row-level security refusal (42501): " + e.getMessage(), e);
        }
        throw new AssertionError(where() + "tenant " + tenant + " wrote a row for tenant " + victim);
      }
      if (operation instanceof Update update) {
        PreparedStatement statement = lane.prepare("UPDATE " + table + " SET val = ? WHERE id = ?");
        statement.setInt(1, update.value());
        statement.setInt(2, update.key());
        int count = statement.executeUpdate();
        int expected = view.containsKey(update.key()) ? 1 : 0;
        check(count == expected, "update of key " + update.key() + " touched " + count + " rows, expected "
            + expected);
        if (expected == 1) {
          delta.put(update.key(), update.value());
        }
        return;
      }
      if (operation instanceof UpdateAll all) {
        PreparedStatement statement = lane.prepare("UPDATE " + table + " SET val = ?");
        statement.setInt(1, all.value());
        int count = statement.executeUpdate();
        check(count == view.size(), "update without predicate touched " + count + " rows, the tenant has "
            + view.size());
        for (Integer key : view.keySet()) {
          delta.put(key, all.value());
        }
        return;
      }
      if (operation instanceof Delete delete) {
        PreparedStatement statement = lane.prepare("DELETE FROM " + table + " WHERE id = ?");
        statement.setInt(1, delete.key());
        int count = statement.executeUpdate();
        int expected = view.containsKey(delete.key()) ? 1 : 0;
        check(count == expected, "delete of key " + delete.key() + " removed " + count + " rows, expected "
            + expected);
        if (expected == 1) {
          delta.put(delete.key(), null);
        }
        return;
      }
      if (operation instanceof ReadAll) {
        Map<Integer, Integer> seen = new TreeMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT tenant_id, id, val FROM " + table)) {
          while (rs.next()) {
            check(rs.getString(1).equals(tenant.value()), "tenant " + tenant + " saw a row of tenant "
                + rs.getString(1));
            seen.put(rs.getInt(2), rs.getInt(3));
          }
        }
        check(seen.equals(view), "tenant " + tenant + " read " + seen + ", its rows are " + view);
        return;
      }
      if (operation instanceof ReadKey read) {
        Integer seen = null;
        PreparedStatement statement = lane.prepare("SELECT val FROM " + table + " WHERE id = ?");
        statement.setInt(1, read.key());
        try (ResultSet rs = statement.executeQuery()) {
          if (rs.next()) {
            seen = rs.getInt(1);
            check(!rs.next(), "key " + read.key() + " returned more than one row: another tenant's row");
          }
        }
        check(Objects.equals(seen, view.get(read.key())), "tenant " + tenant + " read " + seen + " for key "
            + read.key() + ", its value is " + view.get(read.key()));
        return;
      }
      if (operation instanceof TempTable) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("CREATE TEMP TABLE IF NOT EXISTS contract_temp AS SELECT tenant_id, id, val FROM " + table);
        } catch (SQLException e) {
          if ("42501".equals(e.getSQLState())) {
            throw new ExpectedFailure(); // TEMPORARY denied on the database: the guard behind a pooler
          }
          throw e;
        }
        return;
      }
      if (operation instanceof ReadTempTable) {
        readLeftovers(tenant, connection, "SELECT tenant_id FROM contract_temp", "42P01", "a temporary table");
        return;
      }
      if (operation instanceof HoldCursor) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("DECLARE contract_hold CURSOR WITH HOLD FOR SELECT tenant_id FROM " + table);
        } catch (SQLException e) {
          if ("42P03".equals(e.getSQLState())) {
            throw new ExpectedFailure(); // the session has one already
          }
          throw e;
        }
        return;
      }
      if (operation instanceof FetchHoldCursor) {
        readLeftovers(tenant, connection, "FETCH 2 FROM contract_hold", "34000", "a holdable cursor");
        return;
      }
      throw new IllegalArgumentException("unknown operation " + operation);
    }

    /** Reads a session object that may be missing ({@code missing}): any row it has must be the tenant's. */
    private void readLeftovers(TenantId tenant, Connection connection, String sql, String missing, String what)
        throws SQLException {
      try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
        while (rs.next()) {
          check(rs.getString(1).equals(tenant.value()), "tenant " + tenant + " read a row of tenant "
              + rs.getString(1) + " through " + what + " left on the session");
        }
      } catch (SQLException e) {
        if (missing.equals(e.getSQLState())) {
          throw new ExpectedFailure();
        }
        throw e;
      }
    }

    private boolean other(TenantId tenant, int key) {
      return committed.entrySet().stream()
          .anyMatch(e -> !e.getKey().equals(tenant) && e.getValue().containsKey(key));
    }

    private void check(boolean condition, String message) {
      if (!condition) {
        throw new AssertionError(where() + message);
      }
    }

    /** One connection of the program, with the uncommitted changes of its open transaction per tenant. */
    private final class Lane {
      final Connection connection;
      final Map<TenantId, Map<Integer, Integer>> pending = new HashMap<>(); // value null = deleted
      final Map<String, PreparedStatement> statements = new HashMap<>();
      java.sql.@Nullable Savepoint savepoint;
      Map<TenantId, Map<Integer, Integer>> atSavepoint = Map.of();
      /** The tenant whose statement ran in the open transaction; null when none is open or none ran yet. */
      @Nullable TenantId owner;
      @Nullable ResultSet results;
      @Nullable Statement resultsStatement;
      @Nullable TenantId resultsTenant;

      Lane(Connection connection) {
        this.connection = connection;
      }

      // Reused across transactions and tenants on purpose: the binding must follow each execution.
      PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
          statement = connection.prepareStatement(sql);
          statements.put(sql, statement);
        }
        return statement;
      }

      boolean hasPending(TenantId tenant) {
        Map<Integer, Integer> delta = pending.get(tenant);
        return delta != null && !delta.isEmpty();
      }

      Map<TenantId, Map<Integer, Integer>> copyPending() {
        Map<TenantId, Map<Integer, Integer>> copy = new HashMap<>();
        pending.forEach((t, delta) -> copy.put(t, new HashMap<>(delta)));
        return copy;
      }

      void merge() {
        pending.forEach((tenant, delta) -> applyDelta(committed.computeIfAbsent(tenant, t -> new TreeMap<>()), delta));
        discard();
      }

      void discard() {
        pending.clear();
        savepoint = null;
        atSavepoint = Map.of();
        owner = null;
        closeResults(); // the transaction's end closed its portal
      }

      void closeResults() {
        if (resultsStatement != null) {
          try {
            resultsStatement.close();
          } catch (SQLException ignored) {
            // its portal may be gone with the transaction or savepoint that held it
          }
        }
        results = null;
        resultsStatement = null;
        resultsTenant = null;
      }

      void close() {
        try {
          connection.close(); // closes its statements too
        } catch (SQLException ignored) {
          // closing after a failure; the original failure is what matters
        }
      }
    }
  }

  private static void applyDelta(Map<Integer, Integer> rows, Map<Integer, Integer> delta) {
    delta.forEach((key, value) -> {
      if (value == null) {
        rows.remove(key);
      } else {
        rows.put(key, value);
      }
    });
  }

  /** A statement failed the way the model predicts; its transaction is aborted. */
  private static final class ExpectedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExpectedFailure() {
      super(null, null, false, false);
    }
  }

  private static boolean writes(Operation operation) {
    return operation instanceof Insert || operation instanceof Update || operation instanceof UpdateAll
        || operation instanceof Delete || operation instanceof InsertForeign;
  }

  private static boolean autocommit(Operation operation) {
    if (operation instanceof Insert o) {
      return o.autocommit();
    }
    if (operation instanceof Update o) {
      return o.autocommit();
    }
    if (operation instanceof UpdateAll o) {
      return o.autocommit();
    }
    if (operation instanceof Delete o) {
      return o.autocommit();
    }
    if (operation instanceof ReadAll o) {
      return o.autocommit();
    }
    if (operation instanceof ReadKey o) {
      return o.autocommit();
    }
    if (operation instanceof TempTable o) {
      return o.autocommit();
    }
    if (operation instanceof ReadTempTable o) {
      return o.autocommit();
    }
    if (operation instanceof FetchHoldCursor o) {
      return o.autocommit();
    }
    return operation instanceof HoldCursor;
  }

  private Map<TenantId, Map<Integer, Integer>> adminReadAll() {
    Map<TenantId, Map<Integer, Integer>> rows = new HashMap<>();
    try (Connection connection = admin.getConnection();
         Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SELECT tenant_id, id, val FROM " + table)) {
      while (rs.next()) {
        rows.computeIfAbsent(TenantId.of(rs.getString(1)), t -> new TreeMap<>()).put(rs.getInt(2), rs.getInt(3));
      }
    } catch (SQLException e) {
      throw new TestKitException("could not read " + table + " as the administrator: " + e.getMessage(), e);
    }
    return rows;
  }

  private void adminExecute(String... sql) {
    try (Connection connection = admin.getConnection(); Statement statement = connection.createStatement()) {
      for (String s : sql) {
        statement.execute(s);
      }
    } catch (SQLException e) {
      throw new TestKitException("isolation contract setup failed: " + e.getMessage(), e);
    }
  }

  /** Configures an {@link IsolationContract}; single use. */
  public static final class Builder {
    private final DataSource admin;
    private String table = "isolation_contract";
    private String setting = "tenancy.tenant_id";
    private @Nullable Function<String, List<String>> tenantScoping;
    private final List<String> grantees = new ArrayList<>();

    private Builder(DataSource admin) {
      this.admin = Objects.requireNonNull(admin, "admin");
    }

    /**
     * Sets the name of the table the contract creates; default {@code isolation_contract}.
     *
     * @param table an unqualified lowercase table name
     * @return this builder
     */
    public Builder table(String table) {
      if (!TABLE.matcher(table).matches()) {
        throw new IllegalArgumentException("table must match " + TABLE.pattern() + " but was '" + table + "'");
      }
      this.table = table;
      return this;
    }

    /**
     * Sets the PostgreSQL setting that carries the tenant, checked to be empty on pooled connections after a
     * program; default {@code tenancy.tenant_id}.
     *
     * @param setting a two-part setting name
     * @return this builder
     */
    public Builder setting(String setting) {
      if (!setting.matches("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*")) {
        throw new IllegalArgumentException("setting must look like 'app.tenant_id' but was '" + setting + "'");
      }
      this.setting = setting;
      return this;
    }

    /**
     * Sets how the table is made tenant-scoped: a function from the table name to the SQL statements that
     * enable row-level security, create the policy and set the tenant column's default (for Tenancy, {@code
     * TenantPolicy.forTable(t).build().statements()}).
     *
     * @param tenantScoping the statements for a table
     * @return this builder
     */
    public Builder tenantScoping(Function<String, List<String>> tenantScoping) {
      this.tenantScoping = Objects.requireNonNull(tenantScoping, "tenantScoping");
      return this;
    }

    /**
     * Grants the application role the privileges the contract needs on the table.
     *
     * @param role the role the data source under test logs in as
     * @return this builder
     */
    public Builder grantTo(String role) {
      grantees.add(Objects.requireNonNull(role, "role"));
      return this;
    }

    /**
     * Creates the table (dropping an old one of the same name) and returns the contract.
     *
     * @return the contract
     */
    public IsolationContract build() {
      if (tenantScoping == null) {
        throw new IllegalStateException("tenantScoping(...) is required: the contract checks row-level security");
      }
      IsolationContract contract = new IsolationContract(admin, table, setting);
      List<String> sql = new ArrayList<>();
      sql.add("DROP TABLE IF EXISTS " + table);
      sql.add("CREATE TABLE " + table + " (tenant_id text NOT NULL, id int NOT NULL, val int NOT NULL, "
          + "PRIMARY KEY (tenant_id, id))");
      sql.addAll(tenantScoping.apply(table));
      for (String role : grantees) {
        sql.add("GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO " + role);
      }
      contract.adminExecute(sql.toArray(String[]::new));
      return contract;
    }
  }
}
