package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import dev.tenancy.test.RateLimiterContractSuite;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The rate-limiter contract against the Redis limiter and budget, with the contract's clock sent to the script. */
class RedisLimiterContractIT extends RateLimiterContractSuite {

  static TestRedis redis;
  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;

  @BeforeContainer
  static void connect() {
    redis = TestRedis.create();
    client = RedisClient.create(redis.uri());
    connection = client.connect();
  }

  @AfterContainer
  static void disconnect() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    redis.close();
  }

  @Override
  protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
    TenantRateLimiter limiter = TenantRateLimiter.builder().plans(TestPlans.uniform(limit, window))
        .redis(connection).keyPrefix(redis.key(UUID.randomUUID() + ":")).clock(clockNanos)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(5)).build();
    return (key, permits) -> limiter.decide(TenantId.of(key), null, permits).allowed();
  }

  @Override
  protected Budget budget(int limit) {
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(limit)).redis(connection)
        .keyPrefix(redis.key(UUID.randomUUID() + ":")).failurePolicy(FailurePolicy.FAIL_CLOSED)
        .timeout(Duration.ofSeconds(5)).build();
    return key -> budget.tryAcquire(TenantId.of(key)).map(lease -> lease::close);
  }
}
