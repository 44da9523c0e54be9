package dev.tenancy.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.ConnectionSettings;
import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.hikari.TenancyHikari;
import dev.tenancy.test.internal.EmbeddedPostgresVersions;
import dev.tenancy.test.internal.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.jspecify.annotations.Nullable;

/**
 * Row-level security through {@link TenantDataSource} beside the query it must approach: an explicit
 * {@code WHERE tenant_id = ?} on a table without RLS ({@code explicitWhere}). A second baseline,
 * {@code rlsHandWrittenSameRoundTrip}, sends the same binding technique by hand on the raw pool, so that the
 * decorator's own cost can be told from the technique's. Two controls bound what any binding can reach: the
 * explicit read plus one trivial statement in the same round trip, and the RLS read with the tenant preset once per
 * connection (no binding at all). Each operation is one transaction with one indexed point
 * read of a random row of a random tenant (100 tenants x 1,000 rows), through HikariCP, as an ordinary role.
 *
 * <p>The unit-of-work pair ({@code explicitWhereUnitOfWork}, {@code rlsUnitOfWorkBound}) is the shape of a typical
 * request instead: one transaction of five statements for one tenant — three point reads, one insert, one update.
 *
 * <p>{@code -p pg=env} (the default) measures the server in {@code TENANCY_TEST_POSTGRES_URL}; {@code -p pg=18}
 * (or 14 to 17, or a version like {@code 18.6.0}) an embedded PostgreSQL of that version, whose binaries the test
 * kit fetches from Maven Central. Each JVM prints the server it measures.
 *
 * <p>Needs a PostgreSQL admin URL in {@code TENANCY_TEST_POSTGRES_URL} (it creates the database
 * {@code tenancy_bench}); with {@code -p target=pgbouncer} also {@code TENANCY_TEST_PGBOUNCER_URL} (a PgBouncer in
 * transaction mode in front of the same server). Run, once per thread count:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RlsOverheadBenchmark -t 1
 * java -jar benchmarks/target/benchmarks.jar RlsOverheadBenchmark -t 4
 * java -jar benchmarks/target/benchmarks.jar RlsOverheadBenchmark -t 4 -p target=pgbouncer
 * </pre>
 *
 * <p>On a shared machine prefer {@link InterleavedRounds}, which alternates the methods so that drift in the
 * machine's speed does not read as a ratio. The data is created once and reused by later forks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class RlsOverheadBenchmark {

  /**
   * The database the benchmark creates (and recreates when its layout changed); {@code -Dtenancy.bench.database}
   * names another, so that runs of different layouts on one server do not recreate each other's.
   */
  static final String DATABASE = System.getProperty("tenancy.bench.database", "tenancy_bench");
  static final String ROLE = "tenancy_bench_app";
  static final int TENANTS = 100;
  static final int ROWS = 1000;
  private static final TenantId[] IDS = new TenantId[TENANTS];
  private static final TenantId PRESET_TENANT = TenantId.of("tenant-042");

  static {
    for (int i = 0; i < TENANTS; i++) {
      IDS[i] = TenantId.of(String.format("tenant-%03d", i));
    }
  }

  /**
   * The policy {@link TenantPolicy} generated before the per-transaction stamp: the tenant setting alone, read
   * once in an InitPlan. Kept to measure what the stamp costs.
   */
  private static final String UNSTAMPED_PREDICATE =
      "tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text)";
  private static final List<String> UNSTAMPED_POLICY = List.of(
      "ALTER TABLE items_rls_unstamped ENABLE ROW LEVEL SECURITY",
      "ALTER TABLE items_rls_unstamped FORCE ROW LEVEL SECURITY",
      "CREATE POLICY tenancy_isolation ON items_rls_unstamped AS PERMISSIVE FOR ALL TO PUBLIC USING ("
          + UNSTAMPED_PREDICATE + ") WITH CHECK (" + UNSTAMPED_PREDICATE + ")");
  /** The binding statement before the stamp. */
  private static final String UNSTAMPED_BINDING = "SELECT set_config('tenancy.tenant_id', ?, true)";
  /** The binding statement {@link TenantDataSource} sends. */
  private static final String STAMPED_BINDING = "SELECT set_config('tenancy.tenant_id', ?, true), "
      + "set_config('tenancy.tenant_id_stamp', extract(epoch from transaction_timestamp())::text, true)";

  /** {@code direct} to PostgreSQL, or {@code pgbouncer} in transaction mode. */
  @Param({"direct"})
  public String target = "direct";

  /** {@code env}: the server in {@code TENANCY_TEST_POSTGRES_URL}; a major such as {@code 18}: embedded. */
  @Param({"env"})
  public String pg = "env";

  private static final Map<String, String> EMBEDDED = new ConcurrentHashMap<>();
  private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

  private HikariDataSource pool;
  private @Nullable HikariDataSource presetPool;
  private TenantDataSource tenantDataSource;

  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    String admin = adminUrl(pg);
    List<String> policy = new ArrayList<>(TenantPolicy.forTable("items_rls").build().statements());
    policy.addAll(TenantPolicy.forTable("log_rls").build().statements());
    String layout = "rls v3, " + TENANTS + " x " + ROWS + ", policy " + policy.hashCode();
    if (!BenchmarkServers.hasLayout(admin, DATABASE, layout)) {
      createData(admin, policy, layout);
    }
    HikariConfig config = new HikariConfig();
    boolean pgbouncer = target.equals("pgbouncer");
    if (pgbouncer && !pg.equals("env")) {
      throw new IllegalArgumentException("target=pgbouncer measures the configured server: use pg=env");
    }
    String base = pgbouncer ? BenchmarkServers.pgbouncerUrl() : admin;
    config.setJdbcUrl(BenchmarkServers.withUser(BenchmarkServers.withDatabase(base, DATABASE), ROLE));
    config.setMaximumPoolSize(8);
    config.setAutoCommit(false);
    TenancyHikari.apply(pgbouncer ? ConnectionSettings.TRANSACTION_POOLER : ConnectionSettings.DIRECT, config);
    pool = new HikariDataSource(config);
    if (!pgbouncer) { // session state, which a transaction pooler does not keep
      HikariConfig preset = new HikariConfig();
      config.copyStateTo(preset);
      preset.setPoolName("preset-tenant");
      preset.setMinimumIdle(0); // connects only when its method runs
      preset.setConnectionInitSql("SELECT set_config('" + TenantDataSource.DEFAULT_SETTING + "', '"
          + PRESET_TENANT.value() + "', false)");
      presetPool = new HikariDataSource(preset);
    }
    TenantDataSource.Builder builder = TenantDataSource.builder(pool);
    if (pgbouncer) {
      builder.behindTransactionPooler();
    }
    tenantDataSource = builder.build();
    announce(admin, pgbouncer);
  }

  /** The admin URL of the server to measure: the configured one, or an embedded one of the asked version. */
  private static String adminUrl(String pg) {
    if (pg.equals("env")) {
      return BenchmarkServers.postgresUrl();
    }
    return EMBEDDED.computeIfAbsent(pg, version -> {
      PostgresServer server = EmbeddedPostgresVersions.start(version);
      return server.jdbcUrl("postgres", server.adminUser(), server.adminPassword());
    });
  }

  /** Prints, once per JVM and server, which server this run measures. */
  private void announce(String admin, boolean pgbouncer) throws SQLException {
    if (!ANNOUNCED.add(pg + "/" + target)) {
      return;
    }
    try (Connection connection = DriverManager.getConnection(BenchmarkServers.withDatabase(admin, DATABASE));
         Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SELECT version()")) {
      rs.next();
      System.out.println("# RlsOverheadBenchmark measures " + rs.getString(1) + " ("
          + (pg.equals("env") ? "TENANCY_TEST_POSTGRES_URL" : "embedded, pg=" + pg) + " at "
          + admin.replaceAll("\\?.*", "") + (pgbouncer ? ", through PgBouncer" : "") + ")");
    }
  }

  private static void createData(String admin, List<String> policy, String layout) throws SQLException {
    BenchmarkServers.recreateDatabase(admin, DATABASE);
    try (Connection connection = DriverManager.getConnection(BenchmarkServers.withDatabase(admin, DATABASE));
         Statement statement = connection.createStatement()) {
      statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "') THEN "
          + "CREATE ROLE " + ROLE + " LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$");
      for (String table : new String[] {"log_plain", "log_rls"}) {
        statement.execute("CREATE TABLE " + table + " (tenant_id text NOT NULL, id bigint GENERATED ALWAYS AS"
            + " IDENTITY, amount bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
        statement.execute("GRANT SELECT, INSERT ON " + table + " TO " + ROLE);
      }
      for (String table : new String[] {"items_plain", "items_rls", "items_rls_unstamped"}) {
        statement.execute("CREATE TABLE " + table + " (tenant_id text NOT NULL, id bigint NOT NULL, "
            + "amount bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
        statement.execute("INSERT INTO " + table + " SELECT format('tenant-%s', lpad(t::text, 3, '0')), i, "
            + "(random() * 100000)::bigint FROM generate_series(0, " + (TENANTS - 1) + ") t, generate_series(0, "
            + (ROWS - 1) + ") i");
        statement.execute("GRANT SELECT, UPDATE ON " + table + " TO " + ROLE);
      }
      for (String sql : policy) {
        statement.execute(sql);
      }
      for (String sql : UNSTAMPED_POLICY) {
        statement.execute(sql);
      }
      statement.execute("VACUUM ANALYZE items_plain");
      statement.execute("VACUUM ANALYZE items_rls");
      statement.execute("VACUUM ANALYZE items_rls_unstamped");
      BenchmarkServers.recordLayout(statement, layout);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
    HikariDataSource preset = presetPool;
    if (preset != null) {
      preset.close();
    }
  }

  @Benchmark
  public long explicitWhere() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    TenantId tenant = IDS[random.nextInt(TENANTS)];
    try (Connection connection = pool.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "SELECT amount FROM items_plain WHERE tenant_id = ? AND id = ?")) {
      statement.setString(1, tenant.value());
      statement.setLong(2, random.nextInt(ROWS));
      long amount = readOne(statement);
      connection.commit();
      return amount;
    }
  }

  @Benchmark
  public long rlsTransactionBound() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (TenantScope scope = TenantContext.open(IDS[random.nextInt(TENANTS)]);
         Connection connection = tenantDataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement("SELECT amount FROM items_rls WHERE id = ?")) {
      statement.setLong(1, random.nextInt(ROWS));
      long amount = readOne(statement);
      connection.commit();
      return amount;
    }
  }

  /**
   * Baseline of a typical request: one transaction of five statements for one tenant on tables without RLS, every
   * statement naming the tenant — three point reads, one insert, one update.
   */
  @Benchmark
  public long explicitWhereUnitOfWork() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String tenant = IDS[random.nextInt(TENANTS)].value();
    long sum = 0;
    try (Connection connection = pool.getConnection()) {
      try (PreparedStatement read = connection.prepareStatement(
          "SELECT amount FROM items_plain WHERE tenant_id = ? AND id = ?")) {
        for (int i = 0; i < 3; i++) {
          read.setString(1, tenant);
          read.setLong(2, random.nextInt(ROWS));
          sum += readOne(read);
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO log_plain (tenant_id, amount) VALUES (?, ?)")) {
        insert.setString(1, tenant);
        insert.setLong(2, sum);
        sum += insert.executeUpdate();
      }
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE items_plain SET amount = amount + 1 WHERE tenant_id = ? AND id = ?")) {
        update.setString(1, tenant);
        update.setLong(2, random.nextInt(ROWS));
        sum += expectOne(update.executeUpdate());
      }
      connection.commit();
    }
    return sum;
  }

  /**
   * The same request through {@link TenantDataSource} on the RLS tables: no statement names the tenant, the
   * binding is sent once with the transaction's first statement.
   */
  @Benchmark
  public long rlsUnitOfWorkBound() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long sum = 0;
    try (TenantScope scope = TenantContext.open(IDS[random.nextInt(TENANTS)]);
         Connection connection = tenantDataSource.getConnection()) {
      try (PreparedStatement read = connection.prepareStatement("SELECT amount FROM items_rls WHERE id = ?")) {
        for (int i = 0; i < 3; i++) {
          read.setLong(1, random.nextInt(ROWS));
          sum += readOne(read);
        }
      }
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO log_rls (amount) VALUES (?)")) {
        insert.setLong(1, sum);
        sum += insert.executeUpdate();
      }
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE items_rls SET amount = amount + 1 WHERE id = ?")) {
        update.setLong(1, random.nextInt(ROWS));
        sum += expectOne(update.executeUpdate());
      }
      connection.commit();
    }
    return sum;
  }

  private static long expectOne(int updated) {
    if (updated != 1) {
      throw new IllegalStateException("the update changed " + updated + " rows instead of 1: the benchmark would"
          + " measure something else");
    }
    return updated;
  }

  /**
   * The same technique written by hand on the raw pool: the binding and the read as one multi-statement prepared
   * statement. It separates the cost of the technique (server work, the extra statement) from the cost of the
   * decorator (proxies, bookkeeping).
   */
  @Benchmark
  public long rlsHandWrittenSameRoundTrip() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (Connection connection = pool.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             STAMPED_BINDING + "; SELECT amount FROM items_rls WHERE id = ?")) {
      statement.setString(1, IDS[random.nextInt(TENANTS)].value());
      statement.setLong(2, random.nextInt(ROWS));
      long amount = readOneOfSecondResult(statement);
      connection.commit();
      return amount;
    }
  }

  /**
   * {@link #rlsTransactionBound} on a table whose policy has no stamp (the binding still sets it): the policy's
   * share of the stamp's cost.
   */
  @Benchmark
  public long rlsTransactionBoundUnstampedPolicy() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (TenantScope scope = TenantContext.open(IDS[random.nextInt(TENANTS)]);
         Connection connection = tenantDataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "SELECT amount FROM items_rls_unstamped WHERE id = ?")) {
      statement.setLong(1, random.nextInt(ROWS));
      long amount = readOne(statement);
      connection.commit();
      return amount;
    }
  }

  /**
   * {@link #rlsHandWrittenSameRoundTrip} as it was before the stamp: the binding without the stamp and the policy
   * without it. Against {@link #rlsHandWrittenSameRoundTrip}, the whole cost of the stamp on the server.
   */
  @Benchmark
  public long rlsHandWrittenUnstamped() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (Connection connection = pool.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             UNSTAMPED_BINDING + "; SELECT amount FROM items_rls_unstamped WHERE id = ?")) {
      statement.setString(1, IDS[random.nextInt(TENANTS)].value());
      statement.setLong(2, random.nextInt(ROWS));
      long amount = readOneOfSecondResult(statement);
      connection.commit();
      return amount;
    }
  }

  /**
   * Control: the explicit read with one trivial statement more in the same round trip. What any binding that is
   * a statement of its own costs at least, whatever the statement does.
   */
  @Benchmark
  public long controlExplicitWherePlusOneStatement() throws SQLException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (Connection connection = pool.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "SELECT 1; SELECT amount FROM items_plain WHERE tenant_id = ? AND id = ?")) {
      statement.setString(1, IDS[random.nextInt(TENANTS)].value());
      statement.setLong(2, random.nextInt(ROWS));
      long amount = readOneOfSecondResult(statement);
      connection.commit();
      return amount;
    }
  }

  /**
   * Control: the RLS read with no binding at all — one tenant set once per physical connection, at session level,
   * which is unsafe for real use (and which the stamped policy rejects, so it reads the unstamped table). What the
   * policy costs on its own; no binding can be cheaper. Direct only.
   */
  @Benchmark
  public long controlRlsTenantPresetPerConnection() throws SQLException {
    HikariDataSource preset = presetPool;
    if (preset == null) {
      throw new IllegalStateException("this control needs session state: run it with target=direct");
    }
    try (Connection connection = preset.getConnection();
         PreparedStatement statement = connection.prepareStatement(
             "SELECT amount FROM items_rls_unstamped WHERE id = ?")) {
      statement.setLong(1, ThreadLocalRandom.current().nextInt(ROWS));
      long amount = readOne(statement);
      connection.commit();
      return amount;
    }
  }

  /** Runs a two-statement prepared statement and reads the one row of its second result. */
  private static long readOneOfSecondResult(PreparedStatement statement) throws SQLException {
    statement.execute();
    statement.getMoreResults();
    return readOne(statement.getResultSet());
  }

  private static long readOne(PreparedStatement statement) throws SQLException {
    return readOne(statement.executeQuery());
  }

  private static long readOne(ResultSet results) throws SQLException {
    try (ResultSet rs = results) {
      if (!rs.next()) {
        throw new IllegalStateException("the row was not found: the benchmark would measure nothing");
      }
      return rs.getLong(1);
    }
  }
}
