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
 * 10 tenants), through the relay and the Redis Streams publisher: once woken by LISTEN/NOTIFY (poll interval 1 s as
 * the fallback), once polling only (every 50 ms, then every 500 ms, the default). Reports p50/p99/max per mode.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.OutboxLatency [events/s] [seconds] [modes]
 * </pre>
 */
public final class OutboxLatency {
  private OutboxLatency() {}

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (OutboxBenchmark.Bench bench = OutboxBenchmark.Bench.create(true)) {
      List<String> modes = args.length > 2 ? List.of(args[2].split(","))
          : List.of("listen/notify", "polling 50 ms", "polling 500 ms");
      // The first run of a JVM pays for JIT compilation and cold caches: one unreported warm-up run first.
      run(bench, "polling 50 ms", rate, 8, false);
      for (String mode : modes) {
        run(bench, mode, rate, seconds, true);
      }
    }
  }

  private static void run(OutboxBenchmark.Bench bench, String mode, int rate, int seconds, boolean report)
      throws Exception {
    Map<UUID, Long> committedAt = new ConcurrentHashMap<>();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    OutboxPublisher redis = OutboxPublishers.redisStreams(bench.redisUri, bench.streamPrefix);
    OutboxPublisher timing = new OutboxPublisher() {
      @Override
      public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
        Map<UUID, Exception> failures = redis.publish(batch);
        long now = System.nanoTime();
        for (OutboxMessage m : batch) {
          Long t = committedAt.remove(m.eventId());
          if (t != null && !failures.containsKey(m.eventId())) {
            latencies.add(now - t);
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
      case "polling 50 ms" -> b.listen(false).pollInterval(Duration.ofMillis(50));
      default -> b.listen(false).pollInterval(Duration.ofMillis(500));
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
    while (!committedAt.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    relay.close();
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    if (!report) {
      return;
    }
    if (sorted.isEmpty()) {
      System.out.println(mode + ": nothing measured");
      return;
    }
    double measuredSeconds = seconds - 3;
    System.out.printf("%-15s %,d events measured (%.0f/s): p50 %.1f ms  p99 %.1f ms  max %.1f ms  (unpublished %d)%n",
        mode, sorted.size(), sorted.size() / measuredSeconds, pct(sorted, 0.50), pct(sorted, 0.99),
        sorted.get(sorted.size() - 1) / 1e6, committedAt.size());
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
  }
}
