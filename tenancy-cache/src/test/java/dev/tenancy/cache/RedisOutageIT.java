package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.test.TestRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Redis stopped or paused under a running cache, on a server the test owns. */
class RedisOutageIT {

  private static final TenantId ACME = TenantId.of("acme");

  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();

  @Test
  void callersGetLoadedValuesWhileRedisIsDownAndCachingResumesWhenItIsBack() throws Exception {
    // The timeout is generous so that a stall of this loaded machine never counts as an outage; a killed server
    // is noticed at once (dropped connection), not by the timeout.
    try (TestRedisServer redis = TestRedisServer.start();
        CacheBackend backend = CacheBackend.redis(redis.uri()).timeout(Duration.ofSeconds(2)).build()) {
      TenantCache<String> cache = TenantCache.builder("outage", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(5)).openTelemetry(otel).build();
      AtomicInteger loads = new AtomicInteger();
      CacheLoader<String> loader = k -> {
        loads.incrementAndGet();
        return "value-of-" + k;
      };
      TenantContext.run(ACME, () -> {
        for (int i = 0; i < 10; i++) {
          assertThat(cache.get("k" + (i % 2), loader)).isEqualTo("value-of-k" + (i % 2));
        }
      });
      assertThat(loads).hasValue(2);

      redis.stop();
      TenantContext.run(ACME, () -> {
        for (int i = 0; i < 20; i++) {
          assertThat(cache.get("k" + (i % 2), loader)).isEqualTo("value-of-k" + (i % 2));
        }
      });
      assertThat(loads).hasValue(22);
      assertThat(TenantCacheTest.sum(reader.collectAllMetrics().stream().toList(), "tenancy.cache.writes.dropped", "outage"))
          .isGreaterThanOrEqualTo(19);

      redis.restart();
      awaitUp(backend);
      int before = loads.get();
      TenantContext.run(ACME, () -> {
        for (int i = 0; i < 10; i++) {
          assertThat(cache.get("k" + (i % 2), loader)).isEqualTo("value-of-k" + (i % 2));
        }
      });
      assertThat(loads.get() - before).as("loads after Redis came back (once per key, then hits)").isEqualTo(2);
    }
  }

  @Test
  void anInvalidationMadeWhileRedisWasUnreachableIsReplayedBeforeRedisIsReadAgain() throws Exception {
    try (TestRedisServer redis = TestRedisServer.start();
        RedisClient admin = RedisClient.create(redis.uri());
        StatefulRedisConnection<String, String> adminConnection = admin.connect();
        CacheBackend backend = CacheBackend.redis(redis.uri()).timeout(Duration.ofSeconds(1)).build()) {
      TenantCache<String> cache = TenantCache.builder("frozen", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(5)).build();
      Map<String, String> database = new ConcurrentHashMap<>(Map.of("a", "v1", "b", "v1", "c", "v1"));
      CacheLoader<String> loader = database::get;
      TenantContext.run(ACME, () -> {
        assertThat(cache.get("a", EntryOptions.tags("t"), loader)).isEqualTo("v1");
        assertThat(cache.get("b", loader)).isEqualTo("v1");
        assertThat(cache.get("c", loader)).isEqualTo("v1");
      });

      // CLIENT PAUSE: Redis keeps its data (the stale entries are still there when it answers again) but
      // answers no client for 6 s, like a partition or a stall.
      adminConnection.sync().clientPause(6000);
      database.put("a", "v2");
      database.put("b", "v2");
      database.put("c", "v2");
      TenantContext.run(ACME, () -> {
        cache.invalidateTag("t");
        cache.invalidate("b");
        assertThat(cache.get("a", loader)).isEqualTo("v2");
        assertThat(cache.get("b", loader)).isEqualTo("v2");
      });
      cache.purgeTenant(ACME);
      assertThat(((RedisBackend) backend).pendingInvalidations()).isEqualTo(3);

      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline && !((RedisBackend) backend).isUp()) {
        TenantContext.run(ACME, () -> {
          for (String k : new String[] {"a", "b", "c"}) {
            assertThat(cache.get(k, loader)).isEqualTo("v2");
          }
        });
        Thread.sleep(20);
      }
      assertThat(((RedisBackend) backend).isUp()).isTrue();
      assertThat(((RedisBackend) backend).pendingInvalidations()).isZero();
      TenantContext.run(ACME, () -> {
        for (String k : new String[] {"a", "b", "c"}) {
          assertThat(cache.get(k, loader)).isEqualTo("v2");
        }
      });
    }
  }

  static void awaitUp(CacheBackend backend) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && !((RedisBackend) backend).isUp()) {
      Thread.sleep(20);
    }
    assertThat(((RedisBackend) backend).isUp()).as("Redis backend back up").isTrue();
  }
}
