package dev.tenancy.ratelimit;

import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantInfo;
import java.time.Duration;
import java.util.Optional;

/** Plans for tests: every tenant id is an active tenant of tier {@code std}. */
final class TestPlans {

  static final TenantDirectory EVERYONE = tenant -> Optional.of(TenantInfo.active(tenant, "std"));

  private TestPlans() {}

  static RateLimitPlans uniform(long limit, Duration window) {
    return RateLimitPlans.of(EVERYONE, RateLimitPlan.of("std", limit, window));
  }

  static RateLimitPlans concurrency(int limit) {
    return RateLimitPlans.of(EVERYONE, RateLimitPlan.of("std", 1_000_000, Duration.ofSeconds(1))
        .withConcurrency(limit));
  }
}
