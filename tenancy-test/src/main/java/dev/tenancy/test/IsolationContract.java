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

/**
 * The isolation contract "tenant A never sees, changes or learns of tenant B's rows", written once and run
 * against any tenant-binding {@link DataSource}: direct, through PgBouncer, schema- or database-per-tenant.
 *
 * <p>A program is a random interleaving of {@link Operation}s by several tenants — reads, inserts, updates and
 * deletes without any tenant predicate, inserts that try to write another tenant's row, commits and rollbacks —
 * run on a pool of a few connections so that connections are reused across tenants, with several tenants'
 * transactions open at once. Every result is checked against a model of each tenant's rows, and at the end the
 * whole table, read by the administrator, must equal the model: nothing seen, changed or lost across tenants.
 *
 * <pre>{@code
 * IsolationContract contract = IsolationContract.builder(db.adminDataSource())
 *     .tenantScoping(table -> TenantPolicy.forTable(table).build().statements())
 *     .grantTo(appRole.name())
 *     .build();
 *
 * @Property(tries = 1000)
 * void tenantsNeverSeeEachOther(@ForAll("programs") List<TenantStep<IsolationContract.Operation>> program) {
 *   contract.run(pool, poolSize, program);
 * }
 * }</pre>
 *
 * <p>Not thread-safe: run one program at a time.
 */
public final class IsolationContract {

  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final DataSource admin;
  private final String table;

  private IsolationContract(DataSource admin, String table) {
    this.admin = admin;
    this.table = table;
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
   * The operations a program is made of. Keys are small so that tenants' keys collide: a tenant inserting a key
   * another tenant already has must succeed without learning anything.
   *
   * @return an arbitrary of operations
   */
  public static Arbitrary<Operation> operations() {
    Arbitrary<Integer> key = Arbitraries.integers().between(0, 4);
    Arbitrary<Integer> value = Arbitraries.integers().between(0, 999);
    Arbitrary<Boolean> autocommit = Arbitraries.of(false, false, true);
    return Arbitraries.oneOf(
        Combinators.combine(key, value, autocommit).as(Insert::new),
        Combinators.combine(key, value, autocommit).as(Update::new),
        Combinators.combine(value, autocommit).as(UpdateAll::new),
        Combinators.combine(key, autocommit).as(Delete::new),
        autocommit.map(ReadAll::new),
        Combinators.combine(key, autocommit).as(ReadKey::new),
        key.map(InsertForeign::new),
        Arbitraries.just(new Commit()),
        Arbitraries.just(new Rollback()));
  }

  /** One step of a program. */
  public sealed interface Operation permits Insert, Update, UpdateAll, Delete, ReadAll, ReadKey, InsertForeign,
      Commit, Rollback {}

  /**
   * Insert {@code key} for the current tenant, without naming the tenant (the column default supplies it).
   *
   * @param key the key
   * @param value the value
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record Insert(int key, int value, boolean autocommit) implements Operation {}

  /**
   * {@code UPDATE t SET val = ? WHERE id = ?} — no tenant predicate.
   *
   * @param key the key
   * @param value the new value
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record Update(int key, int value, boolean autocommit) implements Operation {}

  /**
   * {@code UPDATE t SET val = ?} — every row the statement can reach.
   *
   * @param value the new value
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record UpdateAll(int value, boolean autocommit) implements Operation {}

  /**
   * {@code DELETE FROM t WHERE id = ?} — no tenant predicate.
   *
   * @param key the key
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record Delete(int key, boolean autocommit) implements Operation {}

  /**
   * {@code SELECT * FROM t} with a plain statement.
   *
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record ReadAll(boolean autocommit) implements Operation {}

  /**
   * {@code SELECT val FROM t WHERE id = ?}.
   *
   * @param key the key
   * @param autocommit run alone in autocommit when the tenant has no open transaction
   */
  public record ReadKey(int key, boolean autocommit) implements Operation {}

  /**
   * Insert a row naming another tenant explicitly: must be rejected, and the transaction rolled back.
   *
   * @param key the key
   */
  public record InsertForeign(int key) implements Operation {}

  /** Commit the tenant's open transaction. */
  public record Commit() implements Operation {}

  /** Roll back the tenant's open transaction. */
  public record Rollback() implements Operation {}

  /**
   * Runs a program and checks every step, then checks the whole table as the administrator. The table is
   * emptied first, so programs are independent.
   *
   * @param pool the tenant-binding data source under test, backed by a pool of {@code poolSize} connections
   * @param poolSize how many connections the program may hold at once (1 to 3 in the suites)
   * @param program the interleaving to run
   * @throws AssertionError describing the first violation
   */
  public void run(DataSource pool, int poolSize, List<TenantStep<Operation>> program) {
    Objects.requireNonNull(pool, "pool");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1 but was " + poolSize);
    }
    adminExecute("TRUNCATE " + table);
    new Run(pool, poolSize, program).execute();
  }

  private final class Run {
    private final DataSource pool;
    private final int poolSize;
    private final List<TenantStep<Operation>> program;
    private final Map<TenantId, Map<Integer, Integer>> committed = new HashMap<>();
    private final LinkedHashMap<TenantId, Session> open = new LinkedHashMap<>();
    private final List<TenantId> tenants = new ArrayList<>();
    private int step;

    Run(DataSource pool, int poolSize, List<TenantStep<Operation>> program) {
      this.pool = pool;
      this.poolSize = poolSize;
      this.program = program;
      for (TenantStep<Operation> s : program) {
        if (!tenants.contains(s.tenant())) {
          tenants.add(s.tenant());
        }
      }
    }

    void execute() {
      try {
        for (step = 0; step < program.size(); step++) {
          TenantStep<Operation> s = program.get(step);
          try (TenantScope scope = TenantContext.open(s.tenant())) {
            apply(s.tenant(), s.operation());
          }
        }
        for (TenantId tenant : new ArrayList<>(open.keySet())) {
          try (TenantScope scope = TenantContext.open(tenant)) {
            end(tenant, true);
          }
        }
      } catch (SQLException e) {
        throw new AssertionError(where() + "unexpected SQL error: " + e.getMessage(), e);
      } finally {
        for (Session session : open.values()) {
          session.closeQuietly();
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

    private String where() {
      return "step " + step + " " + (step < program.size() ? program.get(step) : "(end)") + " of " + program + ": ";
    }

    private void apply(TenantId tenant, Operation operation) throws SQLException {
      Session session = open.get(tenant);
      if (operation instanceof Commit || operation instanceof Rollback) {
        if (session != null) {
          end(tenant, operation instanceof Commit);
        }
        return;
      }
      if (session == null && open.size() >= poolSize) {
        // Free a connection first: the pool holds at most poolSize, and a tenant's open transaction holds one.
        TenantId oldest = open.keySet().iterator().next();
        try (TenantScope scope = TenantContext.open(oldest)) {
          end(oldest, true);
        }
      }
      boolean alone = session == null && autocommit(operation);
      if (alone) {
        Map<Integer, Integer> view = new TreeMap<>(committed.getOrDefault(tenant, Map.of()));
        try (Connection connection = pool.getConnection()) {
          connection.setAutoCommit(true);
          if (perform(tenant, connection, view, operation)) {
            committed.put(tenant, view);
          }
        }
        return;
      }
      if (session == null) {
        Connection connection = pool.getConnection();
        connection.setAutoCommit(false);
        session = new Session(connection, new TreeMap<>(committed.getOrDefault(tenant, Map.of())));
        open.put(tenant, session);
      }
      if (!perform(tenant, session.connection, session.view, operation)) {
        session.connection.rollback();
        session.closeQuietly();
        open.remove(tenant);
      }
    }

    private void end(TenantId tenant, boolean commit) throws SQLException {
      Session session = open.remove(tenant);
      try {
        if (commit) {
          session.connection.commit();
          committed.put(tenant, session.view);
        } else {
          session.connection.rollback();
        }
      } finally {
        session.closeQuietly();
      }
    }

    /** Performs one operation and checks it; returns false when it failed as expected (transaction aborted). */
    private boolean perform(TenantId tenant, Connection connection, Map<Integer, Integer> view, Operation operation)
        throws SQLException {
      if (operation instanceof Insert insert) {
        try (PreparedStatement statement = connection.prepareStatement(
            "INSERT INTO " + table + " (id, val) VALUES (?, ?)")) {
          statement.setInt(1, insert.key());
          statement.setInt(2, insert.value());
          statement.executeUpdate();
        } catch (SQLException e) {
          if (view.containsKey(insert.key()) && "23505".equals(e.getSQLState())) {
            return false; // the tenant's own duplicate: expected
          }
          throw new AssertionError(where() + "insert of a key the tenant does not have failed: " + e.getMessage()
              + (other(tenant, insert.key()) ? " (another tenant has this key: existence leaked)" : ""), e);
        }
        if (view.containsKey(insert.key())) {
          throw new AssertionError(where() + "inserted a duplicate of the tenant's own key " + insert.key());
        }
        view.put(insert.key(), insert.value());
        return true;
      }
      if (operation instanceof InsertForeign foreign) {
        TenantId victim = tenants.stream().filter(t -> !t.equals(tenant)).findFirst()
            .orElse(TenantId.of(tenant.value().equals("zz-victim") ? "zz-other" : "zz-victim"));
        try (PreparedStatement statement = connection.prepareStatement(
            "INSERT INTO " + table + " (tenant_id, id, val) VALUES (?, ?, 0)")) {
          statement.setString(1, victim.value());
          statement.setInt(2, foreign.key());
          statement.executeUpdate();
        } catch (SQLException e) {
          // Only a row-level security refusal counts: a duplicate-key error would reveal the victim's key.
          if ("42501".equals(e.getSQLState())) {
            return false;
          }
          throw new AssertionError(where() + "writing a row for another tenant failed with " + e.getSQLState()
              + " instead of a row-level security refusal (42501): " + e.getMessage(), e);
        }
        throw new AssertionError(where() + "tenant " + tenant + " wrote a row for tenant " + victim);
      }
      if (operation instanceof Update update) {
        int count;
        try (PreparedStatement statement = connection.prepareStatement(
            "UPDATE " + table + " SET val = ? WHERE id = ?")) {
          statement.setInt(1, update.value());
          statement.setInt(2, update.key());
          count = statement.executeUpdate();
        }
        int expected = view.containsKey(update.key()) ? 1 : 0;
        check(count == expected, "update of key " + update.key() + " touched " + count + " rows, expected "
            + expected);
        view.computeIfPresent(update.key(), (k, v) -> update.value());
        return true;
      }
      if (operation instanceof UpdateAll all) {
        int count;
        try (PreparedStatement statement = connection.prepareStatement("UPDATE " + table + " SET val = ?")) {
          statement.setInt(1, all.value());
          count = statement.executeUpdate();
        }
        check(count == view.size(), "update without predicate touched " + count + " rows, the tenant has "
            + view.size());
        view.replaceAll((k, v) -> all.value());
        return true;
      }
      if (operation instanceof Delete delete) {
        int count;
        try (PreparedStatement statement = connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
          statement.setInt(1, delete.key());
          count = statement.executeUpdate();
        }
        int expected = view.containsKey(delete.key()) ? 1 : 0;
        check(count == expected, "delete of key " + delete.key() + " removed " + count + " rows, expected "
            + expected);
        view.remove(delete.key());
        return true;
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
        return true;
      }
      if (operation instanceof ReadKey read) {
        Integer seen = null;
        try (PreparedStatement statement = connection.prepareStatement(
            "SELECT val FROM " + table + " WHERE id = ?")) {
          statement.setInt(1, read.key());
          try (ResultSet rs = statement.executeQuery()) {
            if (rs.next()) {
              seen = rs.getInt(1);
              check(!rs.next(), "key " + read.key() + " returned more than one row: another tenant's row");
            }
          }
        }
        check(Objects.equals(seen, view.get(read.key())), "tenant " + tenant + " read " + seen + " for key "
            + read.key() + ", its value is " + view.get(read.key()));
        return true;
      }
      throw new IllegalArgumentException("unknown operation " + operation);
    }

    private boolean other(TenantId tenant, int key) {
      return committed.entrySet().stream().anyMatch(e -> !e.getKey().equals(tenant) && e.getValue().containsKey(key));
    }

    private void check(boolean condition, String message) {
      if (!condition) {
        throw new AssertionError(where() + message);
      }
    }
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
    return false;
  }

  private static final class Session {
    final Connection connection;
    final Map<Integer, Integer> view;

    Session(Connection connection, Map<Integer, Integer> view) {
      this.connection = connection;
      this.view = view;
    }

    void closeQuietly() {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing after a failure; the original failure is what matters
      }
    }
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
    private Function<String, List<String>> tenantScoping;
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
      IsolationContract contract = new IsolationContract(admin, table);
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
