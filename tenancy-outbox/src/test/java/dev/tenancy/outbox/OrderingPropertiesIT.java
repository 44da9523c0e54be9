package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever the appends (tenants, keys, transactions of several events) and whichever first attempts fail, two
 * relays claiming concurrently publish every event, and the first publications of each (tenant, key) follow the
 * append order.
 */
class OrderingPropertiesIT {
  static OutboxDb db;

  @BeforeContainer
  static void setUp() {
    db = OutboxDb.create(false, 2);
  }

  @AfterContainer
  static void tearDown() {
    db.close();
  }

  record Append(String tenant, List<String> keys, List<Boolean> failFirst) {
  }

  @Provide
  Arbitrary<List<Append>> appends() {
    Arbitrary<String> tenant = Arbitraries.of("t1", "t2", "t3");
    Arbitrary<List<String>> keys = Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(4);
    Arbitrary<List<Boolean>> fails = Arbitraries.integers().between(0, 5).map(i -> i == 0).list().ofSize(4);
    return Combinators.combine(tenant, keys, fails).as(Append::new).list().ofMinSize(1).ofMaxSize(25);
  }

  @Property(tries = 40)
  void everyEventIsPublishedAndFirstPublicationsFollowAppendOrderPerTenantAndKey(
      @ForAll("appends") List<Append> appends) throws Exception {
    db.db.execute("TRUNCATE outbox, outbox_parked");
    Set<UUID> failOnce = ConcurrentHashMap.newKeySet();
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    memory.failWhen(m -> failOnce.remove(m.eventId()));
    OutboxRelay r1 = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).quantum(2).maxAttempts(100)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
    OutboxRelay r2 = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).quantum(3).maxAttempts(100)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
    AtomicBoolean appending = new AtomicBoolean(true);
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> relays = new ArrayList<>();
    for (OutboxRelay r : List.of(r1, r2)) {
      Thread t = new Thread(() -> {
        try {
          while (appending.get() || r.runOnce() > 0 || countLeft() > 0) {
            r.runOnce();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      t.start();
      relays.add(t);
    }
    Map<String, List<UUID>> expected = new HashMap<>();
    for (Append a : appends) {
      List<OutboxEvent> events = new ArrayList<>();
      for (String k : a.keys()) {
        events.add(OutboxEvent.of("t", k, new byte[] {1}));
      }
      List<UUID> ids = db.append(TenantId.of(a.tenant()), events);
      for (int i = 0; i < ids.size(); i++) {
        if (a.failFirst().get(i)) {
          failOnce.add(ids.get(i));
        }
        expected.computeIfAbsent(a.tenant() + "/" + a.keys().get(i), x -> new ArrayList<>()).add(ids.get(i));
      }
    }
    appending.set(false);
    for (Thread t : relays) {
      t.join(60_000);
    }
    assertThat(errors).isEmpty();
    Map<String, LinkedHashSet<UUID>> first = new HashMap<>();
    for (OutboxMessage m : memory.published()) {
      first.computeIfAbsent(m.tenant().value() + "/" + m.key(), x -> new LinkedHashSet<>()).add(m.eventId());
    }
    Map<String, List<UUID>> actual = new HashMap<>();
    first.forEach((k, v) -> actual.put(k, new ArrayList<>(v)));
    assertThat(actual).isEqualTo(expected);
  }

  private static long countLeft() {
    try {
      return db.adminCount("SELECT count(*) FROM outbox");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
