package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.NoTenantException;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TenantCacheTest {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private final CacheBackend backend = CacheBackend.inProcess(10_000, 0.5);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void close() {
    pool.shutdownNow();
    backend.close();
  }

  private TenantCache<String> cache(String name) {
    return TenantCache.builder(name, CacheCodec.utf8()).backend(backend).ttl(Duration.ofMinutes(5)).build();
  }

  @Test
  void noTenantInContextFailsClosed() {
    TenantCache<String> cache = cache("c");
    assertThatThrownBy(() -> cache.get("k", k -> "v")).isInstanceOf(NoTenantException.class);
    assertThatThrownBy(() -> cache.put("k", "v")).isInstanceOf(NoTenantException.class);
    assertThatThrownBy(() -> cache.getIfPresent("k")).isInstanceOf(NoTenantException.class);
    assertThatThrownBy(() -> cache.invalidateTag("t")).isInstanceOf(NoTenantException.class);
  }

  @Test
  void readThroughTagsAndPurge() {
    // @start region="quick-start"
    CacheBackend backend = CacheBackend.inProcess(100_000, 0.25);
    TenantCache<String> invoices = TenantCache.builder("invoices", CacheCodec.utf8())
        .backend(backend)
        .ttl(Duration.ofMinutes(10))
        .build();

    try (TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
      String total = invoices.get("2026-11", EntryOptions.tags("invoices"), month -> "1234.50");
      invoices.invalidateTag("invoices"); // every entry of acme tagged "invoices" is now a miss
    }
    invoices.purgeTenant(TenantId.of("acme")); // offboarding: all of acme's entries, in every cache of the backend
    // @end region="quick-start"

    AtomicInteger loads = new AtomicInteger();
    TenantContext.run(ACME, () -> {
      assertThat(invoices.get("a", EntryOptions.tags("t1"), k -> "acme-" + loads.incrementAndGet())).isEqualTo("acme-1");
      assertThat(invoices.get("a", EntryOptions.tags("t1"), k -> "acme-" + loads.incrementAndGet())).isEqualTo("acme-1");
    });
    TenantContext.run(GLOBEX, () -> {
      assertThat(invoices.getIfPresent("a")).isEmpty();
      invoices.put("a", "globex-a", EntryOptions.tags("t1"));
      invoices.invalidateTag("t1");
      assertThat(invoices.getIfPresent("a")).isEmpty();
    });
    TenantContext.run(ACME, () -> assertThat(invoices.getIfPresent("a")).contains("acme-1"));
    invoices.purgeTenant(ACME);
    TenantContext.run(ACME, () -> assertThat(invoices.getIfPresent("a")).isEmpty());
    backend.close();
  }

  @Test
  void fiftyConcurrentMissesOfOneKeyRunTheLoaderOnce() throws Exception {
    TenantCache<String> cache = cache("stampede");
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return TenantContext.call(ACME, () -> cache.get("hot", k -> {
          loads.incrementAndGet();
          Thread.sleep(300);
          return "value";
        }));
      }));
    }
    start.countDown();
    for (Future<String> f : results) {
      assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("value");
    }
    assertThat(loads).hasValue(1);
  }

  @Test
  void aSlowLoadOfOneTenantDoesNotDelayAnotherTenantsHits() throws Exception {
    TenantCache<String> cache = cache("slow");
    TenantContext.run(GLOBEX, () -> cache.put("k", "globex"));
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> slow = pool.submit(() -> TenantContext.call(ACME, () -> cache.get("k", k -> {
      loading.countDown();
      release.await();
      return "acme";
    })));
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
    // While acme's load of the same key is stuck, globex's hits and misses complete.
    Future<Integer> other = pool.submit(() -> TenantContext.call(GLOBEX, () -> {
      int hits = 0;
      for (int i = 0; i < 1000; i++) {
        if (cache.get("k", k -> "reloaded").equals("globex")) {
          hits++;
        }
      }
      cache.get("other", k -> "loaded");
      return hits;
    }));
    assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
    assertThat(slow.isDone()).isFalse();
    release.countDown();
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("acme");
  }

  @Test
  void oneTenantFillingTheCacheKeepsAnotherTenantsEntries() {
    InProcessBackend small = (InProcessBackend) CacheBackend.inProcess(1000, 0.5);
    TenantCache<String> cache = TenantCache.builder("share", CacheCodec.utf8()).backend(small)
        .ttl(Duration.ofMinutes(5)).build();
    TenantContext.run(GLOBEX, () -> {
      for (int i = 0; i < 400; i++) {
        cache.put("g" + i, "g" + i);
      }
    });
    TenantContext.run(ACME, () -> {
      for (int i = 0; i < 20_000; i++) {
        cache.put("a" + i, "a" + i);
      }
    });
    assertThat(small.entries(ACME)).isLessThanOrEqualTo(500);
    TenantContext.run(GLOBEX, () -> {
      for (int i = 0; i < 400; i++) {
        assertThat(cache.getIfPresent("g" + i)).as("globex entry %d", i).contains("g" + i);
      }
    });
  }

  @Test
  void aTenantTakesAtMostItsShareFromAnotherWhenTheCacheIsFull() {
    InProcessBackend small = (InProcessBackend) CacheBackend.inProcess(1000, 0.6);
    TenantCache<String> cache = TenantCache.builder("full", CacheCodec.utf8()).backend(small)
        .ttl(Duration.ofMinutes(5)).build();
    TenantContext.run(GLOBEX, () -> {
      for (int i = 0; i < 600; i++) {
        cache.put("g" + i, "g" + i);
      }
    });
    TenantContext.run(ACME, () -> {
      for (int i = 0; i < 20_000; i++) {
        cache.put("a" + i, "a" + i);
      }
    });
    long acme = small.entries(ACME);
    long globex = small.entries(GLOBEX);
    assertThat(acme).isLessThanOrEqualTo(600);
    assertThat(acme + globex).isLessThanOrEqualTo(1000);
    // Largest-first eviction: globex gives up entries only while it holds more than acme.
    assertThat(globex).isGreaterThanOrEqualTo(1000 - 600).isGreaterThanOrEqualTo(acme - 1);
  }

  @Test
  void anEntryExpiresAfterItsOwnTtl() throws Exception {
    TenantCache<String> cache = cache("ttl");
    TenantContext.run(ACME, () -> cache.put("short", "v", EntryOptions.none().withTtl(Duration.ofMillis(50))));
    Thread.sleep(300);
    TenantContext.run(ACME, () -> assertThat(cache.getIfPresent("short")).isEmpty());
  }

  @Test
  void aFailingLoaderCachesNothingAndEveryWaiterSeesTheFailure() {
    TenantCache<String> cache = cache("failing");
    TenantContext.run(ACME, () -> {
      assertThatThrownBy(() -> cache.get("k", k -> {
        throw new java.io.IOException("database down");
      })).isInstanceOf(CacheLoadException.class).hasRootCauseMessage("database down");
      assertThat(cache.get("k", k -> "ok")).isEqualTo("ok");
    });
  }

  @Test
  void invalidatingAKeyWhileItLoadsKeepsTheLoadedValueOutOfTheCache() throws Exception {
    TenantCache<String> cache = cache("racing");
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> load = pool.submit(() -> TenantContext.call(ACME, () -> cache.get("k", k -> {
      loading.countDown();
      release.await();
      return "old";
    })));
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
    TenantContext.run(ACME, () -> cache.invalidate("k"));
    release.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("old");
    TenantContext.run(ACME, () -> assertThat(cache.getIfPresent("k")).isEmpty());
  }

  @Test
  void metricsCountPerCacheAndTenantOnlyWhenAskedFor() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    InProcessBackend small = (InProcessBackend) CacheBackend.inProcess(10, 1.0);
    TenantCache<String> plain = TenantCache.builder("plain", CacheCodec.utf8()).backend(small)
        .ttl(Duration.ofMinutes(1)).openTelemetry(otel).build();
    TenantCache<String> tagged = TenantCache.builder("tagged", CacheCodec.utf8()).backend(small)
        .ttl(Duration.ofMinutes(1)).openTelemetry(otel).tenantAttribute(true).build();
    TenantContext.run(ACME, () -> {
      plain.get("a", k -> "1");
      plain.get("a", k -> "1");
      tagged.get("a", k -> "1");
      for (int i = 0; i < 20; i++) {
        plain.put("x" + i, "v");
      }
    });
    List<MetricData> metrics = new ArrayList<>(reader.collectAllMetrics());
    assertThat(sum(metrics, "tenancy.cache.hits", "plain")).isEqualTo(1);
    assertThat(sum(metrics, "tenancy.cache.misses", "plain")).isEqualTo(1);
    assertThat(sum(metrics, "tenancy.cache.loads", "plain")).isEqualTo(1);
    assertThat(sum(metrics, "tenancy.cache.loads", "tagged")).isEqualTo(1);
    assertThat(sum(metrics, "tenancy.cache.evictions", "plain")).isGreaterThanOrEqualTo(10);
    assertThat(points(metrics, "tenancy.cache.loads", "plain"))
        .allSatisfy(p -> assertThat(p.getAttributes().get(AttributeKey.stringKey("tenant.id"))).isNull());
    assertThat(points(metrics, "tenancy.cache.loads", "tagged"))
        .allSatisfy(p -> assertThat(p.getAttributes().get(AttributeKey.stringKey("tenant.id"))).isEqualTo("acme"));
    assertThat(metrics).anySatisfy(m -> assertThat(m.getName()).isEqualTo("tenancy.cache.load.duration"));
  }

  @Test
  void buildersAreStrict() {
    TenantCache.Builder<String> b = TenantCache.builder("strict", CacheCodec.utf8()).ttl(Duration.ofSeconds(1));
    assertThatThrownBy(() -> b.ttl(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("backend");
    assertThatThrownBy(() -> TenantCache.builder("no ttl", CacheCodec.utf8())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TenantCache.builder("nottl", CacheCodec.utf8()).backend(backend).build())
        .hasMessageContaining("ttl");
    cache("dup");
    assertThatThrownBy(() -> cache("dup")).isInstanceOf(IllegalStateException.class).hasMessageContaining("dup");
  }

  static List<LongPointData> points(List<MetricData> metrics, String name, String cache) {
    return metrics.stream().filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getLongSumData().getPoints().stream())
        .filter(p -> cache.equals(p.getAttributes().get(CacheMetrics.CACHE)))
        .toList();
  }

  static long sum(List<MetricData> metrics, String name, String cache) {
    return points(metrics, name, cache).stream().mapToLong(LongPointData::getValue).sum();
  }
}
