package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.test.TenancyRedis;
import dev.tenancy.test.TestRedis;
import dev.tenancy.test.TestRedisServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Two application instances, each with its own in-process level, in front of one Redis. */
@TenancyRedis
class TwoLevelIT {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private static CacheBackend instance(String uri, String namespace) {
    // @start region="two-level"
    CacheBackend backend = CacheBackend.twoLevel(
        CacheBackend.inProcess(10_000, 0.5),
        CacheBackend.redis(uri).namespace(namespace).timeout(Duration.ofSeconds(2)).build(),
        Duration.ofMinutes(5));
    // @end region="two-level"
    return backend;
  }

  private static TenantCache<String> cache(CacheBackend backend) {
    return TenantCache.builder("orders", CacheCodec.utf8()).backend(backend).ttl(Duration.ofMinutes(5)).build();
  }

  /** Polls until the condition holds (pub/sub delivery is asynchronous) and returns how long it took. */
  private static long await(Supplier<Boolean> condition) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(10).toNanos();
    while (!condition.get()) {
      assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
      Thread.sleep(2);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void invalidationsAndPurgesOnOneInstanceReachTheOthersInProcessCopies(TestRedis redis) throws Exception {
    try (CacheBackend one = instance(redis.uri(), redis.keyPrefix());
        CacheBackend two = instance(redis.uri(), redis.keyPrefix())) {
      TenantCache<String> first = cache(one);
      TenantCache<String> second = cache(two);
      AtomicInteger secondLoads = new AtomicInteger();
      TenantContext.run(ACME, () -> {
        first.put("k", "v1", EntryOptions.tags("t"));
        first.put("j", "v1");
        first.put("p", "v1");
        // The second instance reads through Redis and now holds in-process copies.
        assertThat(second.get("k", k -> "loaded-" + secondLoads.incrementAndGet())).isEqualTo("v1");
        assertThat(second.get("j", k -> "loaded-" + secondLoads.incrementAndGet())).isEqualTo("v1");
        assertThat(second.get("p", k -> "loaded-" + secondLoads.incrementAndGet())).isEqualTo("v1");
      });
      TenantContext.run(GLOBEX, () -> first.put("k", "globex", EntryOptions.tags("t")));
      TenantContext.run(GLOBEX, () -> assertThat(second.getIfPresent("k")).contains("globex"));
      assertThat(secondLoads).hasValue(0);

      TenantContext.run(ACME, () -> first.invalidateTag("t"));
      await(() -> TenantContext.call(ACME, () -> second.getIfPresent("k")).isEmpty());
      TenantContext.run(ACME, () -> first.invalidate("j"));
      await(() -> TenantContext.call(ACME, () -> second.getIfPresent("j")).isEmpty());
      first.purgeTenant(ACME);
      await(() -> TenantContext.call(ACME, () -> second.getIfPresent("p")).isEmpty());
      // Another tenant's entry with the same key and tag is untouched.
      TenantContext.run(GLOBEX, () -> assertThat(second.getIfPresent("k")).contains("globex"));
    }
  }

  @Test
  void theInProcessLevelIsDroppedWhileRedisIsUnreachable() throws Exception {
    try (TestRedisServer server = TestRedisServer.start();
        CacheBackend one = instance(server.uri(), "tc:");
        CacheBackend two = instance(server.uri(), "tc:")) {
      TenantCache<String> first = cache(one);
      TenantCache<String> second = cache(two);
      TenantContext.run(ACME, () -> {
        first.put("k", "v1");
        assertThat(second.get("k", k -> "unexpected")).isEqualTo("v1");
      });
      server.stop();
      // Instance one cannot publish while Redis is down; instance two must not keep serving its copy once it
      // has noticed (a dropped connection at once, a silent partition within the heartbeat plus the timeout).
      await(() -> !((TwoLevelBackend) two).remote().isUp());
      TenantContext.run(ACME, () -> first.invalidate("k"));
      AtomicInteger loads = new AtomicInteger();
      Optional<String> seen = TenantContext.call(ACME, () -> Optional.of(second.get("k", k -> {
        loads.incrementAndGet();
        return "v2";
      })));
      assertThat(seen).contains("v2");
      assertThat(loads).hasValue(1);
      server.restart();
      RedisOutageIT.awaitUp(((TwoLevelBackend) one).remote());
      RedisOutageIT.awaitUp(((TwoLevelBackend) two).remote());
      TenantContext.run(ACME, () -> {
        assertThat(second.get("k", k -> "v2")).isEqualTo("v2");
        assertThat(first.get("k", k -> "v2")).isEqualTo("v2");
      });
    }
  }
}
