package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * At most {@link RateLimitPlan#concurrency()} operations in flight per tenant, in process or across instances
 * through Redis. An operation holds a {@link Lease} and closes it when done:
 * <pre>{@code
 * try (ConcurrencyBudget.Lease lease = budget.acquire(tenant, Duration.ofMillis(200))) {
 *   runReport();
 * }
 * }</pre>
 *
 * <p>Distributed leases live in a sorted set per tenant scored by expiry, so the lease of an instance that dies
 * is freed after {@code leaseTime}. Thread-safe.
 */
public interface ConcurrencyBudget extends AutoCloseable {

  /**
   * Takes a lease if the tenant is under its budget, without waiting.
   *
   * @param tenant the tenant
   * @return the lease, or empty when the tenant has its maximum in flight
   * @throws dev.tenancy.UnknownTenantException when the tenant is unknown to the directory
   */
  Optional<Lease> tryAcquire(TenantId tenant);

  /**
   * Takes a lease, waiting at most {@code maxWait} for one to be released.
   *
   * @param tenant the tenant
   * @param maxWait the longest wait; zero for none
   * @return the lease
   * @throws BudgetExhaustedException when no lease was free within {@code maxWait}
   */
  Lease acquire(TenantId tenant, Duration maxWait);

  /** @return the plans this budget reads */
  RateLimitPlans plans();

  /** Drops in-process state; does not close the Redis connection. */
  @Override
  void close();

  /**
   * Starts configuring a budget.
   *
   * @return a single-use builder
   */
  static Builder builder() {
    return new Builder();
  }

  /** A granted slot; {@link #close()} gives it back (more than once does nothing). */
  interface Lease extends AutoCloseable {
    /** @return the tenant */
    TenantId tenant();

    /** @return the tenant's budget when the lease was granted */
    int limit();

    /** @return leases still free for the tenant right after this one was granted */
    int remaining();

    /** Gives the slot back. */
    @Override
    void close();
  }

  /** Configures a {@link ConcurrencyBudget}. Each setter may be called once; {@link #build()} once. */
  final class Builder {
    @Nullable RateLimitPlans plans;
    @Nullable StatefulRedisConnection<String, String> redis;
    @Nullable StatefulRedisClusterConnection<String, String> redisCluster;
    @Nullable String keyPrefix;
    @Nullable Duration leaseTime;
    @Nullable Duration timeout;
    @Nullable FailurePolicy failurePolicy;
    @Nullable LongSupplier clock;
    @Nullable OpenTelemetry openTelemetry;
    boolean tenantAttribute;
    private boolean built;

    Builder() {}

    /**
     * Sets the plans (required); a tenant's budget is its plan's {@link RateLimitPlan#concurrency()}.
     *
     * @param plans the plans
     * @return this builder
     */
    public Builder plans(RateLimitPlans plans) {
      TenantRateLimiter.Builder.once(this.plans, "plans");
      this.plans = Objects.requireNonNull(plans, "plans");
      return this;
    }

    /**
     * Shares the budget across instances through a standalone Redis.
     *
     * @param connection a connection with the string codec; not closed by the budget
     * @return this builder
     */
    public Builder redis(StatefulRedisConnection<String, String> connection) {
      TenantRateLimiter.Builder.noRedisYet(redis, redisCluster);
      this.redis = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Shares the budget across instances through a Redis Cluster.
     *
     * @param connection a cluster connection with the string codec; not closed by the budget
     * @return this builder
     */
    public Builder redis(StatefulRedisClusterConnection<String, String> connection) {
      TenantRateLimiter.Builder.noRedisYet(redis, redisCluster);
      this.redisCluster = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Sets the prefix of the Redis keys (default {@code rl:}); a tenant's leases are in {@code <prefix>{<tenant>}:c}.
     *
     * @param prefix the prefix, without braces
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      TenantRateLimiter.Builder.once(this.keyPrefix, "keyPrefix");
      if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException("key prefix must not contain braces: '" + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets how long a distributed lease lives if its holder never closes it (default 60 s); longer than the
     * longest operation.
     *
     * @param leaseTime the time, positive
     * @return this builder
     */
    public Builder leaseTime(Duration leaseTime) {
      TenantRateLimiter.Builder.once(this.leaseTime, "leaseTime");
      this.leaseTime = TenantRateLimiter.Builder.positive(leaseTime, "leaseTime");
      return this;
    }

    /**
     * Sets how long a Redis call may take before the failure policy decides (default 100 ms).
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      TenantRateLimiter.Builder.once(this.timeout, "timeout");
      this.timeout = TenantRateLimiter.Builder.positive(timeout, "timeout");
      return this;
    }

    /**
     * Sets what happens while Redis is unavailable (default {@code FailurePolicy.localFallback(1.0)}): grant
     * untracked leases, refuse, or count in process with a share of each budget.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder failurePolicy(FailurePolicy policy) {
      TenantRateLimiter.Builder.once(this.failurePolicy, "failurePolicy");
      this.failurePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Replaces the clock in nanoseconds; for the Redis budget it replaces the server clock (tests only).
     *
     * @param nanos the clock
     * @return this builder
     */
    public Builder clock(LongSupplier nanos) {
      TenantRateLimiter.Builder.once(this.clock, "clock");
      this.clock = Objects.requireNonNull(nanos, "nanos");
      return this;
    }

    /**
     * Reports {@code tenancy.ratelimit.in_flight} and {@code tenancy.ratelimit.queue_wait} per plan.
     *
     * @param openTelemetry the API instance
     * @param tenantAttribute whether to add the tenant id as an attribute
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry, boolean tenantAttribute) {
      TenantRateLimiter.Builder.once(this.openTelemetry, "openTelemetry");
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      this.tenantAttribute = tenantAttribute;
      return this;
    }

    /**
     * Builds the budget.
     *
     * @return the budget
     * @throws IllegalStateException when plans are missing or the builder was used before
     */
    public ConcurrencyBudget build() {
      TenantRateLimiter.Builder.notBuiltYet(built, "a budget");
      built = true;
      TenantRateLimiter.Builder.plansSet(plans);
      return new DefaultConcurrencyBudget(this);
    }
  }
}
