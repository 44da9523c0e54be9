package dev.tenancy.benchmarks;

import dev.tenancy.outbox.OutboxMessage;
import dev.tenancy.outbox.OutboxPublisher;
import dev.tenancy.outbox.OutboxPublishers;
import dev.tenancy.outbox.OutboxRelay;
import dev.tenancy.outbox.OutboxSchema;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The outbox relay's throughput beside its SQL ceiling, in the same run: each round drains the same pre-filled
 * backlog ({@value #ROWS} events, 10 tenants x 1,000 keys, 150-byte payloads) once with {@code rawSqlClaimDelete}
 * (SKIP LOCKED claim of 500 rows, read them, delete them, commit with {@code synchronous_commit} off as the relay
 * does by default; no broker, no fairness, no ordering check), once
 * with {@code relayToRedisStreams} ({@link OutboxRelay} with the Redis Streams publisher) and once with
 * {@code relayWithoutBroker} (the relay with a publisher that sends nothing: its database and client cost alone),
 * in shuffled order, all with 2 threads, as the relay role under row-level security. A drain does not fit JMH's
 * fixed-time iterations, so this runner times drains itself. It reports per method the median events/s, the
 * median of the per-round ratios to {@code rawSqlClaimDelete}, and the CPU each event cost this JVM, PostgreSQL and
 * Redis (from {@code /proc}): on a machine whose cores are all busy, that CPU is what bounds the rate.
 *
 * <pre>
 * TENANCY_TEST_POSTGRES_URL=... TENANCY_TEST_REDIS_URL=redis://127.0.0.1:6379 \
 *   java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.OutboxBenchmark [rounds]
 * </pre>
 */
public final class OutboxBenchmark {
  static final int ROWS = 100_000;
  static final int THREADS = 2;
  /** Relay workers; {@code -Doutbox.workers=4} shows what more concurrency buys on a loaded machine. */
  static final int WORKERS = Integer.getInteger("outbox.workers", THREADS);
  static final String DATABASE = "tenancy_outbox_bench";
  static final String RELAY_ROLE = "tenancy_outbox_bench_relay";
  /** The SQL ceiling first (the ratios' baseline), then the relay with Redis, then the relay with no broker. */
  static final List<String> METHODS = List.of("rawSqlClaimDelete", "relayToRedisStreams", "relayWithoutBroker");
  private static final java.util.Set<String> POSTGRES = java.util.Set.of("postgres");
  private static final java.util.Set<String> REDIS = java.util.Set.of("redis-server");

  private OutboxBenchmark() {}

  /** One timed drain: events/s and the CPU microseconds per event of this JVM, PostgreSQL and Redis. */
  record Drain(double eventsPerSecond, double jvmMicros, double postgresMicros, double redisMicros) {
    double totalMicros() {
      return jvmMicros + postgresMicros + redisMicros;
    }
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Bench bench = Bench.create(false);
    Map<String, List<Drain>> results = new LinkedHashMap<>();
    for (String method : METHODS) {
      results.put(method, new ArrayList<>());
    }
    try {
      for (String method : METHODS) { // warm-up, not recorded
        bench.fill(ROWS);
        bench.drain(method);
      }
      for (int round = 1; round <= rounds; round++) {
        List<String> order = new ArrayList<>(METHODS);
        Collections.shuffle(order, new Random(round));
        for (String method : order) {
          bench.fill(ROWS);
          Drain d = bench.drain(method);
          java.util.Objects.requireNonNull(results.get(method)).add(d);
          System.out.printf("round %d  %-20s %9.0f events/s  CPU µs/event: jvm %5.1f  postgres %5.1f  redis %5.1f%n",
              round, method, d.eventsPerSecond(), d.jvmMicros(), d.postgresMicros(), d.redisMicros());
        }
      }
    } finally {
      bench.close();
    }
    System.out.printf("== drain of %,d events, SQL %d threads, relay %d workers, median of %d rounds, %d cores ==%n",
        ROWS, THREADS, WORKERS, rounds, Runtime.getRuntime().availableProcessors());
    System.out.printf("%-20s %9s %9s %9s %8s %8s %8s %8s %8s%n", "method", "events/s", "min", "max", "ratio",
        "jvm µs", "pg µs", "redis µs", "total µs");
    List<Drain> base = java.util.Objects.requireNonNull(results.get(METHODS.get(0)));
    for (Map.Entry<String, List<Drain>> e : results.entrySet()) {
      List<Drain> own = e.getValue();
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < own.size(); i++) {
        ratios.add(own.get(i).eventsPerSecond() / base.get(i).eventsPerSecond());
      }
      System.out.printf("%-20s %9.0f %9.0f %9.0f %8.2f %8.1f %8.1f %8.1f %8.1f%n", e.getKey(),
          median(own, Drain::eventsPerSecond), own.stream().mapToDouble(Drain::eventsPerSecond).min().orElse(0),
          own.stream().mapToDouble(Drain::eventsPerSecond).max().orElse(0), InterleavedRounds.median(ratios),
          median(own, Drain::jvmMicros), median(own, Drain::postgresMicros), median(own, Drain::redisMicros),
          median(own, Drain::totalMicros));
    }
    System.out.println("ratio: median over rounds of events/s divided by rawSqlClaimDelete's in the same round. "
        + "µs: CPU per event, medians; with both cores busy, events/s is bounded by cores x 1e6 / total µs.");
  }

  private static double median(List<Drain> drains, java.util.function.ToDoubleFunction<Drain> value) {
    List<Double> values = new ArrayList<>();
    for (Drain d : drains) {
      values.add(value.applyAsDouble(d));
    }
    return InterleavedRounds.median(values);
  }

  /** The database, roles and Redis stream shared by the outbox benchmarks. */
  static final class Bench implements AutoCloseable {
    final String adminUrl;
    final String dbUrl;
    final PGSimpleDataSource relayDs;
    final String redisUri;
    final String streamPrefix = "tenancy-bench:outbox:" + UUID.randomUUID() + ":";
    final OutboxSchema schema;
    private @Nullable Connection admin;

    private Bench(boolean notifications) throws SQLException {
      adminUrl = BenchmarkServers.postgresUrl();
      String redis = System.getenv("TENANCY_TEST_REDIS_URL");
      redisUri = redis == null || redis.isBlank() ? "redis://127.0.0.1:6379" : redis;
      BenchmarkServers.recreateDatabase(adminUrl, DATABASE);
      dbUrl = BenchmarkServers.withDatabase(adminUrl, DATABASE);
      schema = OutboxSchema.builder().relayRole(RELAY_ROLE).notifications(notifications).build();
      try (Connection c = DriverManager.getConnection(dbUrl); Statement s = c.createStatement()) {
        s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + RELAY_ROLE + "') THEN"
            + " CREATE ROLE " + RELAY_ROLE + " LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$");
        s.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + RELAY_ROLE);
        for (String sql : schema.statements()) {
          s.execute(sql);
        }
      }
      relayDs = new PGSimpleDataSource();
      relayDs.setUrl(BenchmarkServers.withUser(dbUrl, RELAY_ROLE));
    }

    static Bench create(boolean notifications) throws SQLException {
      return new Bench(notifications);
    }

    /**
     * Refills the outbox. One long-lived connection does it: a backend that ends hands its CPU time to the
     * postmaster only when reaped, which would land in the next drain's figures. Autovacuum is off for the table
     * for the same reason; the fill vacuums it.
     */
    void fill(int rows) throws SQLException {
      try (Statement s = admin().createStatement()) {
        s.execute("ALTER TABLE outbox SET (autovacuum_enabled = false)");
        s.execute("TRUNCATE outbox");
        s.execute("INSERT INTO outbox (tenant_id, event_id, topic, msg_key, content_type, headers, payload)"
            + " SELECT 'tenant-' || (i % 10), gen_random_uuid(), 'invoice.created', 'k' || (i % 1000),"
            + " 'application/json', '{}', convert_to('{\"invoice\":' || i || ',\"note\":\"' || repeat('x', 120)"
            + " || '\"}', 'UTF8') FROM generate_series(1, " + rows + ") i");
        s.execute("VACUUM ANALYZE outbox");
        s.execute("CHECKPOINT");
      }
    }

    private Connection admin() throws SQLException {
      Connection c = admin;
      if (c == null) {
        c = DriverManager.getConnection(dbUrl);
        admin = c;
      }
      return c;
    }

    /** Drains the backlog with one of {@link #METHODS}, measuring events/s and CPU per event. */
    Drain drain(String method) throws Exception {
      double jvm = ProcessCpu.jvmMicros();
      double pg = ProcessCpu.micros(POSTGRES);
      double redis = ProcessCpu.micros(REDIS);
      double eps = switch (method) {
        case "rawSqlClaimDelete" -> rawSqlClaimDelete();
        case "relayToRedisStreams" -> relay(OutboxPublishers.redisStreams(redisUri, streamPrefix));
        case "relayWithoutBroker" -> relay(new OutboxPublisher() {
          @Override
          public Map<UUID, Exception> publish(List<OutboxMessage> batch) {
            return Map.of();
          }
        });
        default -> throw new IllegalArgumentException("no method " + method + "; one of " + METHODS);
      };
      Thread.sleep(200); // the drain's ended backends are reaped, so that their CPU time is counted
      return new Drain(eps, (ProcessCpu.jvmMicros() - jvm) / ROWS, (ProcessCpu.micros(POSTGRES) - pg) / ROWS,
          (ProcessCpu.micros(REDIS) - redis) / ROWS);
    }

    /** The SQL ceiling: SKIP LOCKED claim of 500, read, delete, commit (not waiting for the WAL flush). */
    double rawSqlClaimDelete() throws Exception {
      AtomicLong done = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      long t0 = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        fs.add(pool.submit(() -> {
          try (Connection c = relayDs.getConnection();
               PreparedStatement claim = c.prepareStatement("SELECT id, tenant_id, event_id, topic, msg_key,"
                   + " content_type, headers, payload, created_at, attempts FROM outbox WHERE next_attempt_at <= now()"
                   + " ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED");
               PreparedStatement delete = c.prepareStatement("DELETE FROM outbox WHERE id = ANY(?)")) {
            try (Statement s = c.createStatement()) {
              s.execute("SET synchronous_commit = off"); // as the relay's transactions run by default
            }
            c.setAutoCommit(false);
            while (true) {
              List<Long> ids = new ArrayList<>(500);
              long bytes = 0;
              try (ResultSet rs = claim.executeQuery()) {
                while (rs.next()) {
                  ids.add(rs.getLong(1));
                  rs.getString(2);
                  rs.getObject(3);
                  rs.getString(4);
                  rs.getString(5);
                  rs.getString(6);
                  rs.getArray(7).getArray();
                  bytes += rs.getBytes(8).length;
                  rs.getTimestamp(9);
                }
              }
              if (ids.isEmpty()) {
                c.commit();
                return bytes;
              }
              Array a = c.createArrayOf("bigint", ids.toArray());
              delete.setArray(1, a);
              delete.executeUpdate();
              c.commit();
              done.addAndGet(ids.size());
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      if (done.get() != ROWS) {
        throw new IllegalStateException("drained " + done.get() + " of " + ROWS);
      }
      return ROWS / secs;
    }

    /** The relay with {@code WORKERS} workers publishing through {@code target}, until the backlog is published. */
    double relay(OutboxPublisher target) throws Exception {
      AtomicLong published = new AtomicLong();
      CountDownLatch all = new CountDownLatch(1);
      OutboxPublisher counting = new OutboxPublisher() {
        @Override
        public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
          Map<UUID, Exception> failures = target.publish(batch);
          if (published.addAndGet(batch.size() - failures.size()) >= ROWS) {
            all.countDown();
          }
          return failures;
        }

        @Override
        public void close() {
          target.close();
        }
      };
      OutboxRelay relay = OutboxRelay.builder(relayDs, counting).schema(schema).workers(WORKERS).quantum(500)
          .pollInterval(Duration.ofMillis(10)).build();
      long t0 = System.nanoTime();
      relay.start();
      all.await();
      double secs = (System.nanoTime() - t0) / 1e9;
      relay.close();
      return ROWS / secs;
    }

    @Override
    public void close() {
      Connection fillConnection = admin;
      if (fillConnection != null) {
        try {
          fillConnection.close();
        } catch (SQLException e) {
          System.err.println("could not close the fill connection: " + e);
        }
      }
      RedisClient client = RedisClient.create(redisUri);
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        List<String> keys = c.sync().keys(streamPrefix + "*");
        if (!keys.isEmpty()) {
          c.sync().del(keys.toArray(new String[0]));
        }
      } finally {
        client.shutdown();
      }
      try {
        try (Connection c = DriverManager.getConnection(BenchmarkServers.withDatabase(adminUrl, "postgres"));
             Statement s = c.createStatement()) {
          s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        }
      } catch (SQLException e) {
        System.err.println("could not drop " + DATABASE + ": " + e);
      }
    }
  }
}
