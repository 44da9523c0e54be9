package dev.tenancy.benchmarks;

import dev.tenancy.outbox.OutboxMessage;
import dev.tenancy.outbox.OutboxPublisher;
import dev.tenancy.outbox.OutboxPublishers;
import dev.tenancy.outbox.OutboxRelay;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency from commit to publication at a steady append rate (default 2,000 events/s, one event per transaction,
 * 10 tenants, 8 writers), through the relay (2 workers) and the Redis Streams publisher, in these modes: woken by
 * LISTEN/NOTIFY (poll interval 1 s as the fallback), the same with {@code synchronousCommit(true)}, and polling only
 * (every 50 ms, then every 500 ms, the default). Each round runs every mode once, in a shuffled order; the report
 * gives per mode the median over rounds of p50, p99 and max, and the range of p99.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.OutboxLatency [events/s] [seconds] [rounds] [modes]
 * </pre>
 */
public final class OutboxLatency {
  static final List<String> MODES = List.of("listen/notify", "listen/notify, synchronous commit", "polling 50 ms",
      "polling 500 ms");

  private OutboxLatency() {}

  /** One run of one mode: latency percentiles in milliseconds. */
  record Run(double p50, double p99, double max, int events, int unpublished, double relayCpuMicros) {
  }

  private static final String WRITER = "outbox-latency-writer";

  /**
   * CPU microseconds spent so far by the relay: its threads and Lettuce's in this JVM, its backends (the relay
   * role's connections other than the writers'), and Redis, which only the relay uses here.
   */
  private static double relayCpu(OutboxBenchmark.Bench bench) throws Exception {
    double micros = ProcessCpu.threadMicros("tenancy-outbox", "lettuce") + ProcessCpu.micros(java.util.Set.of(
        "redis-server"));
    try (Connection c = java.sql.DriverManager.getConnection(bench.dbUrl);
         PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
             + " AND usename = ? AND application_name <> ?")) {
      ps.setString(1, OutboxBenchmark.RELAY_ROLE);
      ps.setString(2, WRITER);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          micros += ProcessCpu.pidMicros(rs.getLong(1));
        }
      }
    }
    return micros;
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<String> modes = args.length > 3 ? List.of(args[3].split(";")) : MODES;
    Map<String, List<Run>> runs = new java.util.LinkedHashMap<>();
    try (OutboxBenchmark.Bench bench = OutboxBenchmark.Bench.create(true)) {
      // The first runs of a JVM pay for JIT compilation and cold caches: each mode once unreported first.
      for (String mode : modes) {
        run(bench, mode, rate, 8);
      }
      for (int round = 1; round <= rounds; round++) {
        List<String> order = new ArrayList<>(modes);
        Collections.shuffle(order, new java.util.Random(round));
        for (String mode : order) {
          Run r = run(bench, mode, rate, seconds);
          runs.computeIfAbsent(mode, m -> new ArrayList<>()).add(r);
          System.out.printf("round %d  %-34s %,d events (%.0f/s): p50 %.1f ms  p99 %.1f ms  max %.1f ms"
              + "  (unpublished %d)  relay CPU %.0f µs/event%n", round, mode, r.events(),
              r.events() / (seconds - 3.0), r.p50(), r.p99(), r.max(), r.unpublished(), r.relayCpuMicros());
        }
      }
    }
    System.out.printf("== commit -> publish at %,d events/s, %d s per run (3 s unmeasured), %d rounds, %d cores ==%n",
        rate, seconds, rounds, Runtime.getRuntime().availableProcessors());
    for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
      List<Run> own = e.getValue();
      System.out.printf("%-34s median p50 %6.1f ms  p99 %6.1f ms (%.1f-%.1f)  max %6.1f ms  relay CPU %4.0f µs/event%n",
          e.getKey(), median(own, Run::p50), median(own, Run::p99), own.stream().mapToDouble(Run::p99).min().orElse(0),
          own.stream().mapToDouble(Run::p99).max().orElse(0), median(own, Run::max), median(own, Run::relayCpuMicros));
    }
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
    List<Double> values = new ArrayList<>();
    for (Run r : runs) {
      values.add(value.applyAsDouble(r));
    }
    return InterleavedRounds.median(values);
  }

  private static Run run(OutboxBenchmark.Bench bench, String mode, int rate, int seconds) throws Exception {
    // Two maps, joined at the end: a relay may publish an event before its writer has noted the commit time.
    Map<UUID, Long> committedAt = new ConcurrentHashMap<>();
    Map<UUID, Long> publishedAt = new ConcurrentHashMap<>();
    OutboxPublisher redis = OutboxPublishers.redisStreams(bench.redisUri, bench.streamPrefix);
    OutboxPublisher timing = new OutboxPublisher() {
      @Override
      public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
        Map<UUID, Exception> failures = redis.publish(batch);
        long now = System.nanoTime();
        for (OutboxMessage m : batch) {
          if (!failures.containsKey(m.eventId())) {
            publishedAt.putIfAbsent(m.eventId(), now);
          }
        }
        return failures;
      }

      @Override
      public void close() {
        redis.close();
      }
    };
    OutboxRelay.Builder b = OutboxRelay.builder(bench.relayDs, timing).schema(bench.schema).workers(2);
    switch (mode) {
      case "listen/notify" -> b.listen(true).pollInterval(Duration.ofSeconds(1));
      case "listen/notify, synchronous commit" -> b.listen(true).pollInterval(Duration.ofSeconds(1))
          .synchronousCommit(true);
      case "polling 50 ms" -> b.listen(false).pollInterval(Duration.ofMillis(50));
      case "polling 500 ms" -> b.listen(false).pollInterval(Duration.ofMillis(500));
      default -> throw new IllegalArgumentException("no mode " + mode + "; one of " + MODES);
    }
    OutboxRelay relay = b.build();
    relay.start();
    Thread.sleep(1000);
    int writers = 8;
    // Writers commit without waiting for the WAL flush so that a loaded machine can sustain the rate; the measured
    // interval starts when commit() returns, so it is the relay's latency either way.
    org.postgresql.ds.PGSimpleDataSource writerDs = new org.postgresql.ds.PGSimpleDataSource();
    writerDs.setUrl(bench.relayDs.getUrl());
    writerDs.setOptions("-c synchronous_commit=off");
    writerDs.setApplicationName(WRITER);
    java.util.concurrent.atomic.LongAdder written = new java.util.concurrent.atomic.LongAdder();
    double cpuBefore = relayCpu(bench);
    List<Thread> threads = new ArrayList<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long warmEnd = System.nanoTime() + 3_000_000_000L;
    for (int w = 0; w < writers; w++) {
      int id = w;
      Thread t = new Thread(() -> {
        long interval = 1_000_000_000L * writers / rate;
        long next = System.nanoTime();
        try (Connection c = writerDs.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (tenant_id, event_id, topic, msg_key,"
                 + " content_type, headers, payload) VALUES (?, ?, 'latency', ?, 'application/json', '{}', ?)")) {
          c.setAutoCommit(false);
          int n = 0;
          while (System.nanoTime() < end) {
            UUID eventId = UUID.randomUUID();
            ps.setString(1, "tenant-" + (n % 10));
            ps.setObject(2, eventId);
            ps.setString(3, "k" + id + "-" + (n % 100));
            ps.setBytes(4, ("{\"n\":" + n + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ps.executeUpdate();
            c.commit();
            written.increment();
            if (System.nanoTime() > warmEnd) {
              committedAt.put(eventId, System.nanoTime());
            }
            n++;
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!publishedAt.keySet().containsAll(committedAt.keySet()) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    double relayCpuMicros = (relayCpu(bench) - cpuBefore) / Math.max(1, written.sum());
    relay.close();
    List<Long> sorted = new ArrayList<>();
    int unpublished = 0;
    for (Map.Entry<UUID, Long> e : committedAt.entrySet()) {
      Long published = publishedAt.get(e.getKey());
      if (published == null) {
        unpublished++;
      } else {
        sorted.add(Math.max(0, published - e.getValue())); // published before the writer noted the time
      }
    }
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      throw new IllegalStateException(mode + ": nothing was measured");
    }
    return new Run(pct(sorted, 0.50), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6, sorted.size(),
        unpublished, relayCpuMicros);
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
  }
}
