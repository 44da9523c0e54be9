package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** In-process counters per tenant, or leases in a Redis sorted set per tenant. */
final class DefaultConcurrencyBudget implements ConcurrencyBudget {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultConcurrencyBudget.class);
  private static final long RETRY_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

  private final RateLimitPlans plans;
  private final LongSupplier clock;
  private final boolean callerClock;
  private final Metrics metrics;
  private final LocalCounters local = new LocalCounters();
  private final @Nullable RedisScripts redis;
  private final String keyPrefix;
  private final String leaseMillis;
  private final long timeoutNanos;
  private final FailurePolicy failurePolicy;
  private final String instance = UUID.randomUUID().toString();
  private final AtomicLong leaseIds = new AtomicLong();
  private final ConcurrentHashMap<String, Attributes> attributes = new ConcurrentHashMap<>();
  private volatile boolean down;
  private volatile long downUntil;

  DefaultConcurrencyBudget(ConcurrencyBudget.Builder b) {
    this.plans = Objects.requireNonNull(b.plans);
    LongSupplier given = b.clock;
    this.clock = given != null ? given : System::nanoTime;
    this.callerClock = given != null;
    OpenTelemetry otel = b.openTelemetry != null ? b.openTelemetry : OpenTelemetry.noop();
    this.metrics = new Metrics(otel, b.tenantAttribute);
    this.redis = RedisScripts.of(b.redis, b.redisCluster);
    this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "rl:";
    this.leaseMillis = Long.toString((b.leaseTime != null ? b.leaseTime : Duration.ofSeconds(60)).toMillis());
    this.timeoutNanos = (b.timeout != null ? b.timeout : Duration.ofMillis(100)).toNanos();
    this.failurePolicy = b.failurePolicy != null ? b.failurePolicy : FailurePolicy.localFallback(1.0);
  }

  @Override
  public RateLimitPlans plans() {
    return plans;
  }

  @Override
  public Optional<Lease> tryAcquire(TenantId tenant) {
    Objects.requireNonNull(tenant, "tenant");
    RateLimitPlan plan = plans.planOf(tenant);
    return Optional.ofNullable(attempt(tenant, plan));
  }

  @Override
  public Lease acquire(TenantId tenant, Duration maxWait) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative but was " + maxWait);
    }
    RateLimitPlan plan = plans.planOf(tenant);
    long start = System.nanoTime();
    long deadline = start + maxWait.toNanos();
    long pause = 200_000;
    for (;;) {
      Lease lease = attempt(tenant, plan);
      if (lease != null) {
        metrics.queueWait.record((System.nanoTime() - start) / 1e9, attributes(plan, tenant));
        return lease;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new BudgetExhaustedException("tenant '" + tenant.value() + "' has its plan's " + plan.concurrency()
            + " operations in flight (plan '" + plan.name() + "') and none finished within " + maxWait
            + "; retry later, or raise the plan's concurrency");
      }
      LockSupport.parkNanos(Math.min(left, pause));
      pause = Math.min(pause * 2, 10_000_000);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new BudgetExhaustedException("interrupted while waiting for a lease of tenant '" + tenant.value() + "'");
      }
    }
  }

  @Override
  public void close() {
    local.counts.clear();
  }

  private Attributes attributes(RateLimitPlan plan, TenantId tenant) {
    String key = metrics.tenantAttribute ? plan.name() + "/" + tenant.value() : plan.name();
    return attributes.computeIfAbsent(key, k -> metrics.base(plan.name(), tenant));
  }

  private @Nullable Lease attempt(TenantId tenant, RateLimitPlan plan) {
    RedisScripts scripts = redis;
    if (scripts == null) {
      return local.acquire(tenant, plan.concurrency(), plan);
    }
    long now = clock.getAsLong();
    if (down && now - downUntil < 0) {
      return degraded(tenant, plan);
    }
    String key = keyPrefix + "{" + tenant.value() + "}:c";
    String id = instance + ":" + leaseIds.incrementAndGet();
    String time = callerClock ? Long.toString(Math.floorDiv(now, 1_000_000)) : "-1";
    List<Object> reply;
    try {
      reply = scripts.call(RedisScripts.ACQUIRE, scripts.acquireSha, timeoutNanos, new String[] {key},
          time, id, leaseMillis, Integer.toString(plan.concurrency()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(tenant, plan, now, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return failed(tenant, plan, now, e);
    }
    if (down) {
      down = false;
      LOG.info("Redis answers concurrency-budget requests again");
    }
    if (RedisScripts.asLong(reply.get(0)) != 1) {
      return null;
    }
    int held = (int) RedisScripts.asLong(reply.get(1));
    Attributes attrs = attributes(plan, tenant);
    metrics.inFlight.add(1, attrs);
    return new RedisLease(tenant, plan.concurrency(), plan.concurrency() - held, key, id, attrs, scripts);
  }

  private @Nullable Lease failed(TenantId tenant, RateLimitPlan plan, long now, Throwable error) {
    downUntil = now + RETRY_INTERVAL_NANOS;
    if (!down) {
      down = true;
      LOG.warn("Redis failed a concurrency-budget request ({}); applying {} for 1 s before trying again",
          error.toString(), failurePolicy.mode());
    }
    return degraded(tenant, plan);
  }

  private @Nullable Lease degraded(TenantId tenant, RateLimitPlan plan) {
    switch (failurePolicy.mode()) {
      case FAIL_OPEN:
        return new Untracked(tenant, plan.concurrency());
      case FAIL_CLOSED:
        return null;
      default:
        int share = Math.max(1, (int) Math.floor(plan.concurrency() * failurePolicy.share()));
        return local.acquire(tenant, share, plan);
    }
  }

  /** Per-tenant counters that exist only while a tenant has leases, so memory is bounded by what is in flight. */
  private final class LocalCounters {
    final ConcurrentHashMap<TenantId, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Nullable Lease acquire(TenantId tenant, int limit, RateLimitPlan plan) {
      int[] held = {-1};
      counts.compute(tenant, (key, count) -> {
        AtomicInteger c = count != null ? count : new AtomicInteger();
        if (c.get() < limit) {
          held[0] = c.incrementAndGet();
        }
        return c.get() == 0 ? null : c;
      });
      if (held[0] < 0) {
        return null;
      }
      Attributes attrs = attributes(plan, tenant);
      metrics.inFlight.add(1, attrs);
      return new LocalLease(tenant, limit, limit - held[0], attrs);
    }

    void release(TenantId tenant) {
      counts.computeIfPresent(tenant, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
  }

  private abstract class BaseLease implements Lease {
    private final TenantId tenant;
    private final int limit;
    private final int remaining;
    private final AtomicBoolean open = new AtomicBoolean(true);

    BaseLease(TenantId tenant, int limit, int remaining) {
      this.tenant = tenant;
      this.limit = limit;
      this.remaining = Math.max(0, remaining);
    }

    @Override
    public TenantId tenant() {
      return tenant;
    }

    @Override
    public int limit() {
      return limit;
    }

    @Override
    public int remaining() {
      return remaining;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        release();
      }
    }

    abstract void release();
  }

  private final class LocalLease extends BaseLease {
    private final Attributes attrs;

    LocalLease(TenantId tenant, int limit, int remaining, Attributes attrs) {
      super(tenant, limit, remaining);
      this.attrs = attrs;
    }

    @Override
    void release() {
      local.release(tenant());
      metrics.inFlight.add(-1, attrs);
    }
  }

  private final class RedisLease extends BaseLease {
    private final String key;
    private final String id;
    private final Attributes attrs;
    private final RedisScripts scripts;

    RedisLease(TenantId tenant, int limit, int remaining, String key, String id, Attributes attrs,
        RedisScripts scripts) {
      super(tenant, limit, remaining);
      this.key = key;
      this.id = id;
      this.attrs = attrs;
      this.scripts = scripts;
    }

    @Override
    void release() {
      metrics.inFlight.add(-1, attrs);
      try {
        scripts.call(RedisScripts.RELEASE, scripts.releaseSha, timeoutNanos, new String[] {key}, id);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        // The lease expires on its own after the lease time.
        LOG.debug("could not release lease {} of {}; it expires by itself", id, key, e);
      }
    }
  }

  /** A lease granted by the fail-open policy while Redis is down: nothing to give back. */
  private final class Untracked extends BaseLease {
    Untracked(TenantId tenant, int limit) {
      super(tenant, limit, limit);
    }

    @Override
    void release() {}
  }
}
