package dev.tenancy.benchmarks;

import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import dev.tenancy.ratelimit.FailurePolicy;
import dev.tenancy.ratelimit.RateLimitPlan;
import dev.tenancy.ratelimit.RateLimitPlans;
import dev.tenancy.ratelimit.TenantRateLimiter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rate-limit decisions: the tenant limiter beside its baselines. On Redis: a raw Lettuce {@code GET} (the floor of
 * one round trip), Bucket4j's Lettuce proxy (client-side compare-and-swap) and the tenant limiter (one
 * {@code EVALSHA}); in process: Bucket4j's local bucket and the in-process tenant limiter. Every bucket is large
 * enough that every decision is "allowed", so the allow path is measured. {@code tenants=1} is one hot key,
 * {@code tenants=1000} a random key of 1000 per call. All threads share one Redis connection, as an application
 * does. Needs {@code TENANCY_TEST_REDIS_URL}; keys live under a random {@code bench:} prefix with a TTL.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.InterleavedRounds \
 *     RateLimitBenchmark rawLettuceGet,bucket4jLettuce,tenantLimiterRedis 5 1 tenants=1 --same-jvm
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.InterleavedRounds \
 *     RateLimitBenchmark bucket4jLocal,tenantLimiterLocal 5 1 tenants=1 --same-jvm
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class RateLimitBenchmark {

  private static final long HUGE = 1_000_000_000L;

  @Param({"1", "1000"})
  public int tenants;

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private StatefulRedisConnection<String, byte[]> bucket4jConnection;
  private RedisCommands<String, String> sync;
  private String[] getKeys;
  private TenantId[] tenantIds;
  private Bucket[] bucket4jRedis;
  private Bucket[] bucket4jLocal;
  private TenantRateLimiter redisLimiter;
  private TenantRateLimiter localLimiter;

  @Setup(Level.Trial)
  public void setUp() {
    String prefix = "bench:" + UUID.randomUUID() + ":";
    client = RedisClient.create(BenchmarkServers.redisUrl());
    connection = client.connect();
    bucket4jConnection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    sync = connection.sync();
    getKeys = new String[tenants];
    tenantIds = new TenantId[tenants];
    bucket4jRedis = new Bucket[tenants];
    bucket4jLocal = new Bucket[tenants];
    BucketConfiguration config = BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(HUGE).refillGreedy(HUGE, Duration.ofSeconds(1))).build();
    ProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(60)))
        .build();
    for (int i = 0; i < tenants; i++) {
      getKeys[i] = prefix + "get:" + i;
      sync.set(getKeys[i], "0123456789", SetArgs.Builder.ex(3600));
      tenantIds[i] = TenantId.of("tenant-" + i);
      bucket4jRedis[i] = proxies.builder().build(prefix + "b4j:" + i, () -> config);
      bucket4jLocal[i] = Bucket.builder()
          .addLimit(limit -> limit.capacity(HUGE).refillGreedy(HUGE, Duration.ofSeconds(1))).build();
    }
    RateLimitPlans plans = RateLimitPlans.of(tenant -> Optional.of(TenantInfo.active(tenant, "bench")),
        RateLimitPlan.of("bench", HUGE, Duration.ofSeconds(1)));
    redisLimiter = TenantRateLimiter.builder().plans(plans).redis(connection).keyPrefix(prefix + "rl:")
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2)).build();
    localLimiter = TenantRateLimiter.builder().plans(plans).build();
    if (!redisLimiter.tryAcquire(tenantIds[0]) || redisLimiter.decide(tenantIds[0]).degraded()) {
      throw new IllegalStateException("the Redis limiter does not answer");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    redisLimiter.close();
    localLimiter.close();
    bucket4jConnection.close();
    connection.close();
    client.shutdown();
  }

  private int next() {
    return tenants == 1 ? 0 : ThreadLocalRandom.current().nextInt(tenants);
  }

  /** The floor: one Redis round trip. */
  @Benchmark
  public String rawLettuceGet() {
    return sync.get(getKeys[next()]);
  }

  /** Bucket4j 8.19's Lettuce proxy: GET, then EVAL of a compare-and-swap, retried on conflict. */
  @Benchmark
  public boolean bucket4jLettuce() {
    return bucket4jRedis[next()].tryConsume(1);
  }

  /** The tenant limiter on Redis: one EVALSHA running GCRA with the server's clock. */
  @Benchmark
  public boolean tenantLimiterRedis() {
    return redisLimiter.tryAcquire(tenantIds[next()]);
  }

  /** Bucket4j's in-process bucket, looked up in an array (no map at all). */
  @Benchmark
  public boolean bucket4jLocal() {
    return bucket4jLocal[next()].tryConsume(1);
  }

  /** The in-process tenant limiter: plan lookup, tenant state lookup (Caffeine) and one CAS. */
  @Benchmark
  public boolean tenantLimiterLocal() {
    return localLimiter.tryAcquire(tenantIds[next()]);
  }
}
