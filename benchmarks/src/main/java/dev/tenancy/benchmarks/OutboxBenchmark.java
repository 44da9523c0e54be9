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
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The outbox relay's throughput beside its SQL ceiling, in the same run: each round drains the same pre-filled
 * backlog ({@value #ROWS} events, 10 tenants x 1,000 keys, 150-byte payloads) once with {@code rawSqlClaimDelete}
 * (SKIP LOCKED claim of 500 rows, read them, delete them, commit; no broker, no fairness, no ordering check) and
 * once with {@code relayToRedisStreams} ({@link OutboxRelay} with the Redis Streams publisher), in shuffled order,
 * both with 2 threads, as the relay role under row-level security. A drain does not fit JMH's fixed-time
 * iterations, so this runner times drains itself and reports the median events/s of the rounds and the ratio.
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

  private OutboxBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Bench bench = Bench.create(false);
    List<Double> rawResults = new ArrayList<>();
    List<Double> relayResults = new ArrayList<>();
    Map<String, List<Double>> results = new LinkedHashMap<>();
    results.put("rawSqlClaimDelete", rawResults);
    results.put("relayToRedisStreams", relayResults);
    try {
      bench.fill(ROWS);
      bench.rawSqlClaimDelete(); // warm-up, not recorded
      bench.fill(ROWS);
      bench.relayToRedisStreams();
      for (int round = 1; round <= rounds; round++) {
        List<String> order = new ArrayList<>(results.keySet());
        Collections.shuffle(order, new Random(round));
        for (String method : order) {
          bench.fill(ROWS);
          boolean raw = method.equals("rawSqlClaimDelete");
          double eps = raw ? bench.rawSqlClaimDelete() : bench.relayToRedisStreams();
          (raw ? rawResults : relayResults).add(eps);
          System.out.printf("round %d  %-22s %9.0f events/s%n", round, method, eps);
        }
      }
    } finally {
      bench.close();
    }
    double raw = InterleavedRounds.median(rawResults);
    double relay = InterleavedRounds.median(relayResults);
    System.out.printf("== drain of %,d events, SQL %d threads, relay %d workers, median of %d rounds ==%n", ROWS,
        THREADS, WORKERS, rounds);
    for (Map.Entry<String, List<Double>> e : results.entrySet()) {
      System.out.printf("%-22s median %9.0f  min %9.0f  max %9.0f events/s%n", e.getKey(),
          InterleavedRounds.median(e.getValue()), Collections.min(e.getValue()), Collections.max(e.getValue()));
    }
    System.out.printf("ratio relayToRedisStreams / rawSqlClaimDelete = %.2f%n", relay / raw);
  }

  /** The database, roles and Redis stream shared by the outbox benchmarks. */
  static final class Bench implements AutoCloseable {
    final String adminUrl;
    final String dbUrl;
    final PGSimpleDataSource relayDs;
    final String redisUri;
    final String streamPrefix = "tenancy-bench:outbox:" + UUID.randomUUID() + ":";
    final OutboxSchema schema;

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

    void fill(int rows) throws SQLException {
      try (Connection c = DriverManager.getConnection(dbUrl); Statement s = c.createStatement()) {
        s.execute("TRUNCATE outbox");
        s.execute("INSERT INTO outbox (tenant_id, event_id, topic, msg_key, content_type, headers, payload)"
            + " SELECT 'tenant-' || (i % 10), gen_random_uuid(), 'invoice.created', 'k' || (i % 1000),"
            + " 'application/json', '{}', convert_to('{\"invoice\":' || i || ',\"note\":\"' || repeat('x', 120)"
            + " || '\"}', 'UTF8') FROM generate_series(1, " + rows + ") i");
        s.execute("VACUUM ANALYZE outbox");
        s.execute("CHECKPOINT");
      }
    }

    /** The SQL ceiling: SKIP LOCKED claim of 500, read, delete, commit; {@value #THREADS} threads. */
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

    /** The relay with {@code WORKERS} workers publishing to Redis Streams, until the backlog is published. */
    double relayToRedisStreams() throws Exception {
      AtomicLong published = new AtomicLong();
      CountDownLatch all = new CountDownLatch(1);
      OutboxPublisher redis = OutboxPublishers.redisStreams(redisUri, streamPrefix);
      OutboxPublisher counting = new OutboxPublisher() {
        @Override
        public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
          Map<UUID, Exception> failures = redis.publish(batch);
          if (published.addAndGet(batch.size() - failures.size()) >= ROWS) {
            all.countDown();
          }
          return failures;
        }

        @Override
        public void close() {
          redis.close();
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
