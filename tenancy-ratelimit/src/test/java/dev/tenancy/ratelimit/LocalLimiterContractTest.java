package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import dev.tenancy.test.RateLimiterContractSuite;
import java.time.Duration;
import java.util.function.LongSupplier;

/** The rate-limiter contract against the in-process limiter and budget. */
class LocalLimiterContractTest extends RateLimiterContractSuite {

  @Override
  protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
    TenantRateLimiter limiter =
        TenantRateLimiter.builder().plans(TestPlans.uniform(limit, window)).clock(clockNanos).build();
    return (key, permits) -> permits == 1
        ? limiter.tryAcquire(TenantId.of(key))
        : limiter.decide(TenantId.of(key), null, permits).allowed();
  }

  @Override
  protected Budget budget(int limit) {
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(limit)).build();
    return key -> budget.tryAcquire(TenantId.of(key)).map(lease -> lease::close);
  }
}
