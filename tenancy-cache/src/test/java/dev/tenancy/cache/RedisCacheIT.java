package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.test.TenancyRedis;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Redis backend on the shared server: codecs, size limit, TTL and single flight. */
@TenancyRedis
class RedisCacheIT {

  private static final TenantId ACME = TenantId.of("acme");
  /** Far above any stall of a loaded test machine, so no test sees the backend marked down by accident. */
  private static final Duration SLOW_MACHINE = Duration.ofSeconds(5);

  /** A JSON value. */
  public record Invoice(String id, long cents, List<String> lines) {}

  @Test
  void jsonValuesRoundTripAndOversizedValuesAreRejectedClearly(TestRedis redis) {
    try (CacheBackend backend = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build()) {
      // @start region="redis"
      TenantCache<Invoice> invoices = TenantCache.builder("invoices", CacheCodec.json(Invoice.class))
          .backend(backend)
          .ttl(Duration.ofMinutes(10))
          .maxValueBytes(64 * 1024)
          .build();
      // @end region="redis"
      TenantContext.run(ACME, () -> {
        Invoice inv = new Invoice("i-1", 12_345, List.of("a", "b"));
        assertThat(invoices.get("i-1", k -> inv)).isEqualTo(inv);
        assertThat(invoices.getIfPresent("i-1")).contains(inv);
        Invoice huge = new Invoice("i-2", 1, List.of("x".repeat(70_000)));
        assertThatThrownBy(() -> invoices.put("i-2", huge)).isInstanceOf(CacheValueTooLargeException.class)
            .hasMessageContaining("maxValueBytes");
        assertThat(invoices.get("i-2", k -> huge)).isEqualTo(huge);
        assertThat(invoices.getIfPresent("i-2")).isEmpty();
      });
      TenantCache<byte[]> raw = TenantCache.builder("raw", CacheCodec.bytes()).backend(backend)
          .ttl(Duration.ofMinutes(1)).build();
      TenantContext.run(ACME, () -> {
        raw.put("b", new byte[] {0, 1, (byte) 0xFF});
        assertThat(raw.getIfPresent("b")).hasValueSatisfying(b -> assertThat(b).containsExactly(0, 1, 0xFF));
      });
    }
  }

  @Test
  void entriesCarryTheirTtlInRedis(TestRedis redis) {
    try (CacheBackend backend = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build();
        RedisClient client = RedisClient.create(redis.uri());
        StatefulRedisConnection<String, String> c = client.connect()) {
      TenantCache<String> cache = TenantCache.builder("ttl", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(10)).ttlJitter(0.2).build();
      TenantContext.run(ACME, () -> {
        cache.put("long", "v");
        cache.put("short", "v", EntryOptions.none().withTtl(Duration.ofSeconds(30)));
        cache.getIfPresent("short");
      });
      long longTtl = c.sync().pttl(redis.keyPrefix() + "{acme}:e:3:ttllong");
      long shortTtl = c.sync().pttl(redis.keyPrefix() + "{acme}:e:3:ttlshort");
      assertThat(longTtl).isBetween(Duration.ofMinutes(8).toMillis() - 1000, Duration.ofMinutes(10).toMillis());
      assertThat(shortTtl).isBetween(23_000L, 30_000L);
    }
  }

  @Test
  void fiftyConcurrentMissesOfOneKeyRunTheLoaderOnce(TestRedis redis) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try (CacheBackend backend = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build()) {
      TenantCache<String> cache = TenantCache.builder("stampede", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(1)).build();
      AtomicInteger loads = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return TenantContext.call(ACME, () -> cache.get("hot", k -> {
            loads.incrementAndGet();
            Thread.sleep(200);
            return "value";
          }));
        }));
      }
      start.countDown();
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("value");
      }
      assertThat(loads).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withALoadLeaseConcurrentMissesOnTwoInstancesLoadOnce(TestRedis redis) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try (CacheBackend one = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build();
        CacheBackend two = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build()) {
      List<TenantCache<String>> instances = new java.util.ArrayList<>();
      for (CacheBackend backend : List.of(one, two)) {
        // @start region="lease"
        TenantCache<String> reports = TenantCache.builder("reports", CacheCodec.utf8())
            .backend(backend)
            .ttl(Duration.ofMinutes(5))
            .loadLease(Duration.ofSeconds(5))
            .build();
        // @end region="lease"
        instances.add(reports);
      }
      AtomicInteger loads = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        TenantCache<String> cache = instances.get(i % 2);
        results.add(pool.submit(() -> {
          start.await();
          return TenantContext.call(ACME, () -> cache.get("monthly", k -> {
            loads.incrementAndGet();
            Thread.sleep(500);
            return "report";
          }));
        }));
      }
      start.countDown();
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("report");
      }
      assertThat(loads).as("loads across both instances").hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void asyncReadThroughLoadsOnceAndThenHits(TestRedis redis) throws Exception {
    java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (CacheBackend backend = CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(SLOW_MACHINE).build()) {
      TenantCache<String> cache = TenantCache.builder("async", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(1)).build();
      AtomicInteger loads = new AtomicInteger();
      java.util.function.Function<String, java.util.concurrent.CompletionStage<String>> slowLoader = k -> {
        loads.incrementAndGet();
        assertThat(TenantContext.current()).contains(ACME);
        java.util.concurrent.CompletableFuture<String> f = new java.util.concurrent.CompletableFuture<>();
        timer.schedule(() -> f.complete("v-" + k), 1, TimeUnit.SECONDS);
        return f;
      };
      List<java.util.concurrent.CompletableFuture<String>> results = new java.util.ArrayList<>();
      TenantContext.run(ACME, () -> {
        for (int i = 0; i < 20; i++) {
          results.add(cache.getAsync("k", EntryOptions.tags("t"), slowLoader).toCompletableFuture());
        }
      });
      for (java.util.concurrent.CompletableFuture<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("v-k");
      }
      assertThat(loads).hasValue(1);
      String again = TenantContext.call(ACME, () -> cache.getAsync("k", EntryOptions.none(), slowLoader))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(again).isEqualTo("v-k");
      assertThat(loads).hasValue(1);
      TenantContext.run(ACME, () -> cache.invalidateTag("t"));
      assertThat(TenantContext.call(ACME, () -> cache.getAsync("k", EntryOptions.none(), slowLoader))
          .toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo("v-k");
      assertThat(loads).hasValue(2);
      java.util.concurrent.CompletableFuture<String> failed = TenantContext.call(ACME, () -> cache.getAsync("bad",
          EntryOptions.none(), k -> java.util.concurrent.CompletableFuture.<String>failedFuture(
              new IllegalStateException("down")))).toCompletableFuture();
      assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(CacheLoadException.class);
    } finally {
      timer.shutdownNow();
    }
  }
}
