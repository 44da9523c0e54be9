package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a tenant's request may proceed, by the limits of the tenant's {@link RateLimitPlan}: a global
 * quota, the tenant's quota and, when a subject (user, API key, endpoint) is given, the subject's quota — all
 * levels in one atomic decision: a request denied by one level consumes nothing at the others.
 *
 * <p>Built by {@link #builder()}: in-process, or distributed over Redis when given a Lettuce connection.
 * <pre>{@code
 * TenantRateLimiter limiter = TenantRateLimiter.builder().plans(plans).build();
 * Decision decision = limiter.decide(tenant, userId);
 * if (!decision.allowed()) { ... 429 with RateLimitHeaders ... }
 * }</pre>
 *
 * <p>Thread-safe. Closing it drops its in-process state; the Redis connection is the caller's to close.
 */
public interface TenantRateLimiter extends AutoCloseable {

  /**
   * Takes one permit from the tenant (and the global quota) if they allow it; the cheapest call, which allocates
   * nothing in the in-process limiter.
   *
   * @param tenant the tenant
   * @return true when the request may proceed (always true in shadow mode)
   * @throws dev.tenancy.UnknownTenantException when the tenant is unknown to the directory
   * @throws dev.tenancy.TenantSuspendedException when the tenant is suspended
   */
  boolean tryAcquire(TenantId tenant);

  /**
   * Decides one request of the tenant, without a subject level.
   *
   * @param tenant the tenant
   * @return the decision
   * @throws dev.tenancy.UnknownTenantException when the tenant is unknown to the directory
   * @throws dev.tenancy.TenantSuspendedException when the tenant is suspended
   */
  Decision decide(TenantId tenant);

  /**
   * Decides one request of a subject of the tenant.
   *
   * @param tenant the tenant
   * @param subject the user, API key or endpoint within the tenant (1 to 200 characters); its plan's subject
   *     quota applies, if it has one
   * @return the decision
   * @throws dev.tenancy.UnknownTenantException when the tenant is unknown to the directory
   * @throws dev.tenancy.TenantSuspendedException when the tenant is suspended
   */
  Decision decide(TenantId tenant, String subject);

  /**
   * Decides a request that costs {@code permits}.
   *
   * @param tenant the tenant
   * @param subject the subject within the tenant, or null for the tenant level only
   * @param permits the cost, at least 1; a cost above a level's limit is always denied
   * @return the decision
   * @throws IllegalArgumentException when permits is below 1
   * @throws dev.tenancy.UnknownTenantException when the tenant is unknown to the directory
   * @throws dev.tenancy.TenantSuspendedException when the tenant is suspended
   */
  Decision decide(TenantId tenant, @Nullable String subject, int permits);

  /**
   * Decides a request without blocking the calling thread: for the distributed limiter the stage completes when
   * Redis answers (or the timeout applies the failure policy); for the in-process limiter it is already complete.
   *
   * @param tenant the tenant
   * @param subject the subject within the tenant, or null for the tenant level only
   * @param permits the cost, at least 1
   * @return the decision
   */
  CompletionStage<Decision> decideAsync(TenantId tenant, @Nullable String subject, int permits);

  /** @return the plans this limiter reads */
  RateLimitPlans plans();

  /** Drops in-process state; does not close the Redis connection. */
  @Override
  void close();

  /**
   * Starts configuring a limiter.
   *
   * @return a single-use builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Configures a {@link TenantRateLimiter}. Each setter may be called once; {@link #build()} once.
   */
  final class Builder {
    @Nullable RateLimitPlans plans;
    @Nullable Quota globalQuota;
    @Nullable StatefulRedisConnection<String, String> redis;
    @Nullable StatefulRedisClusterConnection<String, String> redisCluster;
    @Nullable String keyPrefix;
    @Nullable Duration timeout;
    @Nullable Duration retryInterval;
    @Nullable FailurePolicy failurePolicy;
    boolean shadowMode;
    boolean shadowSet;
    @Nullable LongSupplier clock;
    long maximumTenants = -1;
    @Nullable Duration idleExpiry;
    @Nullable Duration planRefresh;
    @Nullable OpenTelemetry openTelemetry;
    boolean tenantAttribute;
    boolean tenantAttributeSet;
    private boolean built;

    Builder() {}

    /**
     * Sets the plans (required).
     *
     * @param plans which plan applies to which tenant
     * @return this builder
     */
    public Builder plans(RateLimitPlans plans) {
      once(this.plans, "plans");
      this.plans = Objects.requireNonNull(plans, "plans");
      return this;
    }

    /**
     * Adds a global level above every tenant. With Redis it is enforced per instance (set the fleet's quota
     * divided by the number of instances): one Redis Cluster slot cannot hold both a global key and every
     * tenant's keys, and a second round trip would double the latency of every decision.
     *
     * @param quota the global quota
     * @return this builder
     */
    public Builder globalQuota(Quota quota) {
      once(this.globalQuota, "globalQuota");
      this.globalQuota = Objects.requireNonNull(quota, "quota");
      return this;
    }

    /**
     * Makes the limiter distributed over a standalone Redis: one {@code EVALSHA} per decision.
     *
     * @param connection a connection with the string codec; shared, not closed by the limiter
     * @return this builder
     */
    public Builder redis(StatefulRedisConnection<String, String> connection) {
      noRedisYet(redis, redisCluster);
      this.redis = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Makes the limiter distributed over a Redis Cluster. A tenant's keys share the hash tag {@code {tenant}},
     * so each decision is one script on one node.
     *
     * @param connection a cluster connection with the string codec; shared, not closed by the limiter
     * @return this builder
     */
    public Builder redis(StatefulRedisClusterConnection<String, String> connection) {
      noRedisYet(redis, redisCluster);
      this.redisCluster = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Sets the prefix of the Redis keys (default {@code rl:}); keys are {@code <prefix>{<tenant>}:t} and
     * {@code <prefix>{<tenant>}:s:<subject>}.
     *
     * @param prefix the prefix; must not contain braces
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      once(this.keyPrefix, "keyPrefix");
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException("key prefix must not contain braces (they select the cluster slot): '"
            + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets how long a decision waits for Redis before the failure policy decides (default 100 ms).
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      once(this.timeout, "timeout");
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long, after Redis failed, decisions go straight to the failure policy before Redis is tried again
     * (default 1 s). It also bounds how long a tenant-level denial from Redis is remembered and answered in process.
     *
     * @param interval the interval, positive
     * @return this builder
     */
    public Builder retryInterval(Duration interval) {
      once(this.retryInterval, "retryInterval");
      this.retryInterval = positive(interval, "retryInterval");
      return this;
    }

    /**
     * Sets what happens while Redis is unavailable (default {@code FailurePolicy.localFallback(1.0)}).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder failurePolicy(FailurePolicy policy) {
      once(this.failurePolicy, "failurePolicy");
      this.failurePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Turns shadow mode on or off (default off): in shadow mode every request is allowed and those the limits
     * would deny are counted as shadow-denied, to try limits on production traffic.
     *
     * @param enabled true for shadow mode
     * @return this builder
     */
    public Builder shadowMode(boolean enabled) {
      if (shadowSet) {
        throw new IllegalStateException("shadowMode already set");
      }
      shadowSet = true;
      this.shadowMode = enabled;
      return this;
    }

    /**
     * Replaces the clock, in nanoseconds (default {@link System#nanoTime()}). For the distributed limiter a clock
     * replaces the Redis server's clock (the script then takes the time from the caller): meant for tests that
     * control time; in production leave it unset so that every instance uses the server's clock.
     *
     * @param nanos a monotonic source of nanoseconds
     * @return this builder
     */
    public Builder clock(LongSupplier nanos) {
      once(this.clock, "clock");
      this.clock = Objects.requireNonNull(nanos, "nanos");
      return this;
    }

    /**
     * Bounds the in-process state to this many tenants (default 1,000,000); the least recently used go first.
     *
     * @param maximum the bound, at least 1
     * @return this builder
     */
    public Builder maximumTenants(long maximum) {
      if (maximumTenants >= 0) {
        throw new IllegalStateException("maximumTenants already set");
      }
      if (maximum < 1) {
        throw new IllegalArgumentException("maximumTenants must be at least 1 but was " + maximum);
      }
      this.maximumTenants = maximum;
      return this;
    }

    /**
     * Sets after how long without requests a tenant's in-process state is dropped (default 1 hour). Keep it
     * above the longest quota window, or an evicted tenant comes back with a full burst early.
     *
     * @param idle the idle time, positive
     * @return this builder
     */
    public Builder idleExpiry(Duration idle) {
      once(this.idleExpiry, "idleExpiry");
      this.idleExpiry = positive(idle, "idleExpiry");
      return this;
    }

    /**
     * Sets how long a tenant's resolved plan is reused before the directory is asked again (default 10 s).
     * Changes made through {@link RateLimitPlans} apply at once regardless.
     *
     * @param refresh the interval, positive
     * @return this builder
     */
    public Builder planRefresh(Duration refresh) {
      once(this.planRefresh, "planRefresh");
      this.planRefresh = positive(refresh, "planRefresh");
      return this;
    }

    /**
     * Reports metrics through this OpenTelemetry (default: none): counter {@code tenancy.ratelimit.decisions}
     * with attributes {@code plan} and {@code outcome} ({@code allowed}, {@code denied}, {@code shadow_denied}).
     *
     * @param openTelemetry the API instance
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      once(this.openTelemetry, "openTelemetry");
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Adds the tenant id as a metric attribute (default off: one time series per tenant is costly).
     *
     * @param enabled true to add {@code tenant.id}
     * @return this builder
     */
    public Builder tenantAttribute(boolean enabled) {
      if (tenantAttributeSet) {
        throw new IllegalStateException("tenantAttribute already set");
      }
      tenantAttributeSet = true;
      this.tenantAttribute = enabled;
      return this;
    }

    /**
     * Builds the limiter.
     *
     * @return the limiter
     * @throws IllegalStateException when plans are missing, Redis-only settings are set without Redis, or the
     *     builder was used before
     */
    public TenantRateLimiter build() {
      notBuiltYet(built, "a limiter");
      built = true;
      plansSet(plans);
      boolean distributed = redis != null || redisCluster != null;
      if (!distributed && (keyPrefix != null || timeout != null || retryInterval != null || failurePolicy != null)) {
        throw new IllegalStateException(
            "keyPrefix, timeout, retryInterval and failurePolicy apply to the Redis limiter; call redis(...) too");
      }
      return new DefaultTenantRateLimiter(this);
    }

    static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " already set");
      }
    }

    static void noRedisYet(@Nullable Object redis, @Nullable Object redisCluster) {
      if (redis != null || redisCluster != null) {
        throw new IllegalStateException("redis connection already set");
      }
    }

    static void notBuiltYet(boolean built, String what) {
      if (built) {
        throw new IllegalStateException("this builder has already built " + what + "; use a new builder");
      }
    }

    static void plansSet(@Nullable RateLimitPlans plans) {
      if (plans == null) {
        throw new IllegalStateException("plans are required: call plans(RateLimitPlans.of(directory, plan))");
      }
    }

    static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
