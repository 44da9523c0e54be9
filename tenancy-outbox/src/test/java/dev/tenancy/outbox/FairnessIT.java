package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenant A has a large backlog (over one key, then over 1,000 keys); tenant B's events written afterwards are
 * published within a bound far below the backlog's drain time. The backlog is 200,000 events: on an idle machine the
 * relay drains 20,000 in about 0.15 s, less than B's writes take, which would leave nothing to be fair against;
 * {@code -Doutbox.fairness.backlog=N} changes it.
 */
class FairnessIT {
  static final int BACKLOG = Integer.getInteger("outbox.fairness.backlog", 200_000);
  static final TenantId A = TenantId.of("tenant-a");
  static final TenantId B = TenantId.of("tenant-b");

  OutboxDb db;

  @BeforeEach
  void setUp() {
    db = OutboxDb.create(true, 2);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void aBacklogOverOneKeyDoesNotDelayAnotherTenant() throws Exception {
    measure(1);
  }

  @Test
  void aBacklogOverAThousandKeysDoesNotDelayAnotherTenant() throws Exception {
    measure(1000);
  }

  private void measure(int keys) throws Exception {
    String bulk = "INSERT INTO outbox (tenant_id, event_id, topic, msg_key, content_type, headers, payload)"
        + " SELECT '" + A.value() + "', gen_random_uuid(), 'bulk', 'k' || (i % " + keys + "),"
        + " 'application/octet-stream', '{}', '\\x0102'::bytea FROM generate_series(1, COUNT) i";
    Map<UUID, Long> publishedAt = new ConcurrentHashMap<>();
    AtomicLong aPublished = new AtomicLong();
    AtomicLong aLast = new AtomicLong();
    OutboxPublisher publisher = batch -> {
      long now = System.nanoTime();
      for (OutboxMessage m : batch) {
        if (m.tenant().equals(A)) {
          aPublished.incrementAndGet();
          aLast.set(now);
        } else {
          publishedAt.put(m.eventId(), now);
        }
      }
      return Map.of();
    };
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, publisher).schema(db.schema)
        .pollInterval(Duration.ofMillis(50)).build();
    relay.start();
    try {
      // Warm-up (JIT, pools, caches), not measured: a small backlog of A and a few events of B.
      db.db.execute(bulk.replace("COUNT", "2000"));
      for (int i = 0; i < 20; i++) {
        db.append(B, OutboxEvent.of("b", "warm-" + i, new byte[] {1}));
      }
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(60), () -> aPublished.get() >= 2000 && publishedAt.size() >= 20);
      publishedAt.clear();
      aPublished.set(0);
      db.db.execute(bulk.replace("COUNT", Integer.toString(BACKLOG)));
      long start = System.nanoTime();
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(60), () -> aPublished.get() >= Math.min(2000, BACKLOG / 10));
      List<long[]> committed = new ArrayList<>();
      List<UUID> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        UUID id = db.append(B, OutboxEvent.of("b", "b-" + i, new byte[] {1}));
        committed.add(new long[] {System.nanoTime()});
        ids.add(id);
        Thread.sleep(5);
      }
      long backlogLeftWhenBWrote = BACKLOG - aPublished.get();
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(120), () -> publishedAt.keySet().containsAll(ids));
      long bDone = System.nanoTime();
      long aLeftWhenBDone = BACKLOG - aPublished.get();
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(600), () -> aPublished.get() >= BACKLOG);
      double drainSeconds = (aLast.get() - start) / 1e9;
      double maxB = 0;
      for (int i = 0; i < ids.size(); i++) {
        maxB = Math.max(maxB, (publishedAt.get(ids.get(i)) - committed.get(i)[0]) / 1e9);
      }
      System.out.printf("fairness: tenant A backlog %,d events over %d key(s) drained in %.2f s (%.0f events/s);"
          + " tenant B's 20 events written with %,d of A's left: max commit-to-publish %.1f ms; A had %,d left when"
          + " B was done (%.1f s after B's first write)%n", BACKLOG, keys, drainSeconds, BACKLOG / drainSeconds,
          backlogLeftWhenBWrote, maxB * 1000, aLeftWhenBDone, (bDone - committed.get(0)[0]) / 1e9);
      assertThat(maxB).as("tenant B's worst latency against A's drain time").isLessThan(drainSeconds / 5);
      assertThat(aLeftWhenBDone).as("B was served while A's backlog was still there").isPositive();
    } finally {
      relay.close();
    }
  }
}
