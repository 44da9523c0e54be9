package dev.tenancy.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.cache.CacheBackend;
import dev.tenancy.cache.CacheCodec;
import dev.tenancy.cache.TenantCache;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A tenant cache hit beside the raw read it is built on.
 *
 * <p>Pairs (goal: each ratio at least 0.9): {@code tenantCacheHitRedis} vs {@code rawLettuceGet} — a
 * {@link TenantCache#get} hit on Redis (one script call returning the entry and the tenant's and tags'
 * generations, then the envelope check and UTF-8 decoding) beside a Lettuce {@code GET} of a string of the same size
 * on one shared connection; {@code tenantCacheHitLocal} vs {@code caffeineGet} — a hit on the in-process backend
 * (tenant from context, per-tenant partition, generation and expiry checks, hit counter) beside a bare Caffeine
 * {@code getIfPresent} on a cache with {@code maximumSize} and {@code expireAfterWrite}. Redis is {@code TENANCY_TEST_REDIS_URL} or {@code redis://127.0.0.1:6379}; keys live under
 * {@code bench-cache-<nanotime>:} and are deleted at the end.
 *
 * <p>Run (1 and 4 threads, interleaved):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.InterleavedRounds \
 *     CacheBenchmark rawLettuceGet,tenantCacheHitRedis 5 1 --same-jvm
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.InterleavedRounds \
 *     CacheBenchmark caffeineGet,tenantCacheHitLocal 5 4 --same-jvm
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheBenchmark {

  private static final TenantId ACME = TenantId.of("acme");
  private static final String VALUE = "x".repeat(100);
  private static final LongAdder LOADS = new LongAdder();

  /** Connections, caches and the keys they read, shared by all threads. */
  @State(Scope.Benchmark)
  public static class Shared {
    RedisClient client;
    StatefulRedisConnection<String, String> connection;
    RedisCommands<String, String> raw;
    String rawKey;
    String namespace;
    CacheBackend redisBackend;
    CacheBackend localBackend;
    TenantCache<String> redisCache;
    TenantCache<String> localCache;
    Cache<String, String> caffeine;

    @Setup(Level.Trial)
    public void setUp() {
      String uri = System.getenv().getOrDefault("TENANCY_TEST_REDIS_URL", "redis://127.0.0.1:6379");
      namespace = "bench-cache-" + System.nanoTime() + ":";
      client = RedisClient.create(uri);
      connection = client.connect();
      raw = connection.sync();
      rawKey = namespace + "raw";
      raw.set(rawKey, VALUE);
      // A timeout far above any stall of a shared machine: a backend marked down would measure the loader.
      redisBackend = CacheBackend.redis(uri).namespace(namespace).timeout(Duration.ofSeconds(30)).build();
      redisCache = TenantCache.builder("bench", CacheCodec.utf8()).backend(redisBackend)
          .ttl(Duration.ofHours(1)).build();
      localBackend = CacheBackend.inProcess(100_000, 0.5);
      localCache = TenantCache.builder("bench", CacheCodec.utf8()).backend(localBackend)
          .ttl(Duration.ofHours(1)).build();
      caffeine = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();
      caffeine.put("k", VALUE);
      TenantContext.run(ACME, () -> {
        redisCache.put("k", VALUE);
        localCache.put("k", VALUE);
      });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (LOADS.sum() != 0) {
        throw new IllegalStateException(LOADS.sum() + " calls missed and loaded (Redis unavailable or the entry "
            + "lost); the measurement is void");
      }
      var keys = raw.keys(namespace + "*");
      if (!keys.isEmpty()) {
        raw.unlink(keys.toArray(String[]::new));
      }
      redisBackend.close();
      localBackend.close();
      connection.close();
      client.shutdown();
    }
  }

  /** Each benchmark thread works for tenant acme, as a request thread would. */
  @State(Scope.Thread)
  public static class InTenant {
    TenantScope scope;

    @Setup(Level.Trial)
    public void open() {
      scope = TenantContext.open(ACME);
    }

    @TearDown(Level.Trial)
    public void close() {
      scope.close();
    }
  }

  @Benchmark
  public String rawLettuceGet(Shared s) {
    return s.raw.get(s.rawKey);
  }

  @Benchmark
  public String tenantCacheHitRedis(Shared s, InTenant t) {
    return s.redisCache.get("k", k -> {
      LOADS.increment();
      return VALUE;
    });
  }

  @Benchmark
  public @Nullable String caffeineGet(Shared s) {
    return s.caffeine.getIfPresent("k");
  }

  @Benchmark
  public String tenantCacheHitLocal(Shared s, InTenant t) {
    return s.localCache.get("k", k -> {
      LOADS.increment();
      return VALUE;
    });
  }
}
