package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The examples of docs/ratelimit.md, compiled and run. */
class DocExamplesIT {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantDirectory DIRECTORY = TenantDirectory.of(List.of(
      TenantInfo.active(ACME, "pro"), TenantInfo.active(TenantId.of("initech"), "free")));

  private static RateLimitPlans plans() {
    TenantDirectory directory = DIRECTORY;
    // @start region="plans"
    RateLimitPlans plans = RateLimitPlans.of(directory, RateLimitPlan.of("free", 60, Duration.ofMinutes(1)))
        .tier("pro", RateLimitPlan.of("pro", 600, Duration.ofMinutes(1))
            .withSubjectQuota(100, Duration.ofMinutes(1))   // per user, API key or endpoint
            .withConcurrency(20)                            // operations in flight at once
            .withWeight(4));                                // share of a FairExecutor
    // later, at runtime, without a restart:
    plans.override(TenantId.of("initech"), RateLimitPlan.of("initech-trial", 300, Duration.ofMinutes(1)));
    // @end region="plans"
    return plans;
  }

  @Test
  void localLimiterAndHeaders() {
    RateLimitPlans plans = plans();
    Map<String, String> response = new HashMap<>();
    // @start region="local"
    TenantRateLimiter limiter = TenantRateLimiter.builder()
        .plans(plans)
        .globalQuota(Quota.of("global", 10_000, Duration.ofSeconds(1)))
        .build();

    Decision decision = limiter.decide(ACME, "user-42");
    RateLimitHeaders.write(decision, response::put);   // e.g. servletResponse::setHeader
    if (!decision.allowed()) {
      // respond 429; Retry-After is among the headers
    }
    // RateLimit-Policy: "pro-subject";q=100;w=60
    // RateLimit: "pro-subject";r=99;t=1
    // @end region="local"
    assertThat(response).containsEntry("RateLimit-Policy", "\"pro-subject\";q=100;w=60")
        .containsEntry("RateLimit", "\"pro-subject\";r=99;t=1");
  }

  @Test
  void distributedLimiter() {
    try (TestRedis redis = TestRedis.create()) {
      RateLimitPlans plans = plans();
      // @start region="redis"
      RedisClient client = RedisClient.create(redis.uri());
      client.setOptions(ClientOptions.builder()     // fail fast while disconnected, don't queue
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
      StatefulRedisConnection<String, String> connection = client.connect();

      TenantRateLimiter limiter = TenantRateLimiter.builder()
          .plans(plans)
          .redis(connection)                               // or a StatefulRedisClusterConnection
          .timeout(Duration.ofMillis(50))
          .failurePolicy(FailurePolicy.localFallback(0.25)) // 4 instances: each may grant 1/4 alone
          .build();
      // @end region="redis"
      limiter.close();
      String keyPrefix = redis.key("rl:");
      TenantRateLimiter prefixed = TenantRateLimiter.builder().plans(plans).redis(connection).keyPrefix(keyPrefix)
          .build();
      assertThat(prefixed.decide(ACME).degraded()).isFalse();
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void budgetAndFairExecutor() throws Exception {
    RateLimitPlans plans = plans();
    List<String> ran = new CopyOnWriteArrayList<>();
    // @start region="budget"
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(plans).build();   // .redis(connection) to share
    try (ConcurrencyBudget.Lease lease = budget.acquire(ACME, Duration.ofMillis(200))) {
      ran.add("export for " + lease.tenant().value());   // at most 20 of these at once for a pro tenant
    } // BudgetExhaustedException when no slot frees up within 200 ms
    // @end region="budget"
    // @start region="fair"
    try (FairExecutor executor = FairExecutor.builder().plans(plans).threads(4).build()) {
      executor.execute(ACME, () -> ran.add("reindex " + TenantContext.require().value()));
    } // close() runs what is queued, then stops the threads
    // @end region="fair"
    assertThat(ran).containsExactly("export for acme", "reindex acme");
  }
}
