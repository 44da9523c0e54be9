package dev.tenancy.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tenancy.TenantId;
import io.lettuce.core.RedisFuture;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-process and the Redis limiter: one class, because they share plan resolution, levels and metrics. */
final class DefaultTenantRateLimiter implements TenantRateLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultTenantRateLimiter.class);
  private static final int MAX_SUBJECT_LENGTH = 200;
  private static final String SERVER_CLOCK = "-1";

  private final RateLimitPlans plans;
  private final LongSupplier clock;
  private final boolean callerClock;
  private final boolean shadow;
  private final long planRefreshNanos;
  private final Metrics metrics;
  private final ConcurrentHashMap<TenantId, TenantState> states = new ConcurrentHashMap<>();
  private final long maximumTenants;
  private final ReentrantLock evicting = new ReentrantLock();
  private final Function<TenantId, TenantState> newState;
  private final long idleNanos;
  private final AtomicLong nextSweep;
  private final Cache<SubjectKey, AtomicLong> subjects;
  private final TenantState.@Nullable Level global;
  private final AtomicLong globalCell = new AtomicLong(Gcra.EMPTY);

  // Distributed only.
  private final @Nullable RedisScripts redis;
  private final long timeoutNanos;
  private final long retryIntervalNanos;
  private final FailurePolicy failurePolicy;
  private final @Nullable Fallback fallback;
  private volatile long downUntil = Long.MIN_VALUE;
  private volatile boolean down;

  DefaultTenantRateLimiter(TenantRateLimiter.Builder b) {
    this.plans = Objects.requireNonNull(b.plans);
    LongSupplier givenClock = b.clock;
    this.clock = givenClock != null ? givenClock : System::nanoTime;
    this.callerClock = givenClock != null;
    this.shadow = b.shadowMode;
    this.planRefreshNanos = (b.planRefresh != null ? b.planRefresh : Duration.ofSeconds(10)).toNanos();
    OpenTelemetry otel = b.openTelemetry != null ? b.openTelemetry : OpenTelemetry.noop();
    this.metrics = new Metrics(otel, b.tenantAttribute);
    Duration idle = b.idleExpiry != null ? b.idleExpiry : Duration.ofHours(1);
    long maximum = b.maximumTenants > 0 ? b.maximumTenants : 1_000_000;
    LongSupplier ticker = this.clock;
    // Not a Caffeine cache: its bookkeeping on every hit (read buffer, and a second clock read for
    // expireAfterAccess) costs as much as the rest of a decision. Tenants are looked up in a plain concurrent map;
    // idle ones are swept from the time the decision has read anyway, and the least recently used go first when
    // the map outgrows its bound. Subjects and the fallback's cells, off the hot path, do use Caffeine.
    this.maximumTenants = maximum;
    this.idleNanos = idle.toNanos();
    this.nextSweep = new AtomicLong(clock.getAsLong() + idleNanos / 2);
    String prefix = b.keyPrefix != null ? b.keyPrefix : "rl:";
    this.newState = tenant -> new TenantState(tenant, prefix);
    this.subjects = Caffeine.newBuilder()
        .maximumSize(maximum)
        .expireAfterAccess(idle)
        .ticker(ticker::getAsLong)
        .build();
    this.global = b.globalQuota == null ? null : new TenantState.Level(b.globalQuota);
    this.redis = RedisScripts.of(b.redis, b.redisCluster);
    this.timeoutNanos = (b.timeout != null ? b.timeout : Duration.ofMillis(100)).toNanos();
    this.retryIntervalNanos = (b.retryInterval != null ? b.retryInterval : Duration.ofSeconds(1)).toNanos();
    this.failurePolicy = b.failurePolicy != null ? b.failurePolicy : FailurePolicy.localFallback(1.0);
    this.fallback = redis != null && failurePolicy.mode() == FailurePolicy.Mode.LOCAL_FALLBACK
        ? new Fallback(failurePolicy.share(), maximum, idle, ticker)
        : null;
  }

  @Override
  public RateLimitPlans plans() {
    return plans;
  }

  @Override
  public boolean tryAcquire(TenantId tenant) {
    if (redis != null) {
      return decide(tenant, null, 1).allowed();
    }
    long now = clock.getAsLong();
    TenantState state = state(tenant, now);
    TenantState.Resolved resolved = resolve(state, now);
    TenantState.Level level = resolved.tenant;
    long tat = Gcra.take(state, now, 1, level.intervalNanos, level.toleranceNanos);
    boolean allowed = tat != Gcra.DENIED;
    TenantState.Level g = global;
    if (allowed && g != null && Gcra.take(globalCell, now, 1, g.intervalNanos, g.toleranceNanos) == Gcra.DENIED) {
      Gcra.giveBack(state, 1, level.intervalNanos);
      allowed = false;
    }
    if (allowed) {
      metrics.decisions.add(1, resolved.allowed);
      return true;
    }
    if (shadow) {
      metrics.decisions.add(1, resolved.shadowDenied);
      return true;
    }
    metrics.decisions.add(1, resolved.denied);
    return false;
  }

  @Override
  public Decision decide(TenantId tenant) {
    return decide(tenant, null, 1);
  }

  @Override
  public Decision decide(TenantId tenant, String subject) {
    return decide(tenant, Objects.requireNonNull(subject, "subject"), 1);
  }

  @Override
  public Decision decide(TenantId tenant, @Nullable String subject, int permits) {
    check(tenant, subject, permits);
    long now = clock.getAsLong();
    TenantState state = state(tenant, now);
    TenantState.Resolved resolved = resolve(state, now);
    RedisScripts scripts = redis;
    if (scripts == null) {
      return record(resolved, local(state, resolved, subject, permits, now, state, true));
    }
    if (isDown(now)) {
      return record(resolved, degraded(state, resolved, subject, permits, now));
    }
    Decision remembered = remembered(state, resolved, permits, now);
    if (remembered != null) {
      return record(resolved, remembered);
    }
    if (!takeGlobal(permits, now)) {
      return record(resolved, globalDenied(permits, now));
    }
    String[] keys = keys(state, resolved, subject);
    String[] args = args(resolved, subject, permits, now);
    List<Object> reply;
    try {
      reply = scripts.call(RedisScripts.GCRA, scripts.gcraSha, timeoutNanos, keys, args);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      giveBackGlobal(permits);
      return record(resolved, failed(state, resolved, subject, permits, now, e));
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      giveBackGlobal(permits);
      return record(resolved, failed(state, resolved, subject, permits, now, e));
    }
    recovered();
    return record(resolved, fromReply(reply, state, resolved, subject, permits, now));
  }

  @Override
  public CompletionStage<Decision> decideAsync(TenantId tenant, @Nullable String subject, int permits) {
    check(tenant, subject, permits);
    long now = clock.getAsLong();
    TenantState state = state(tenant, now);
    TenantState.Resolved resolved = resolve(state, now);
    RedisScripts scripts = redis;
    if (scripts == null) {
      return CompletableFuture.completedFuture(
          record(resolved, local(state, resolved, subject, permits, now, state, true)));
    }
    if (isDown(now)) {
      return CompletableFuture.completedFuture(record(resolved, degraded(state, resolved, subject, permits, now)));
    }
    Decision remembered = remembered(state, resolved, permits, now);
    if (remembered != null) {
      return CompletableFuture.completedFuture(record(resolved, remembered));
    }
    if (!takeGlobal(permits, now)) {
      return CompletableFuture.completedFuture(record(resolved, globalDenied(permits, now)));
    }
    String[] keys = keys(state, resolved, subject);
    String[] args = args(resolved, subject, permits, now);
    RedisFuture<List<Object>> first = scripts.evalsha(scripts.gcraSha, keys, args);
    return first.toCompletableFuture()
        .exceptionallyCompose(error -> RedisScripts.isNoScript(error)
            ? scripts.eval(RedisScripts.GCRA, keys, args).toCompletableFuture()
            : CompletableFuture.failedFuture(error))
        .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
        .handle((reply, error) -> {
          if (error != null || reply == null) {
            giveBackGlobal(permits);
            return record(resolved, failed(state, resolved, subject, permits, now,
                error != null ? error : new IllegalStateException("empty reply")));
          }
          recovered();
          return record(resolved, fromReply(reply, state, resolved, subject, permits, now));
        });
  }

  @Override
  public void close() {
    states.clear();
    subjects.invalidateAll();
    if (fallback != null) {
      fallback.cells.invalidateAll();
    }
  }

  /** The tenants whose state is kept in process, after pending evictions; for tests. */
  long trackedTenants() {
    sweepNow(clock.getAsLong());
    return states.size();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static void check(TenantId tenant, @Nullable String subject, int permits) {
    Objects.requireNonNull(tenant, "tenant");
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1 but was " + permits);
    }
    if (subject != null && (subject.isEmpty() || subject.length() > MAX_SUBJECT_LENGTH)) {
      throw new IllegalArgumentException("subject must be 1 to " + MAX_SUBJECT_LENGTH
          + " characters but had " + subject.length());
    }
  }

  private TenantState state(TenantId tenant, long now) {
    TenantState state = states.get(tenant);
    if (state == null) {
      state = states.computeIfAbsent(tenant, newState);
      state.lastAccess = now;
      if (states.size() > maximumTenants) {
        evictLeastRecentlyUsed();
      }
    }
    // Written at most once a millisecond, so that threads deciding for one hot tenant rarely write its line.
    if (now - state.lastAccess > 1_000_000) {
      state.lastAccess = now;
    }
    if (now - nextSweep.get() > 0) {
      sweep(now);
    }
    return state;
  }

  /** Drops the least recently used tenants down to 90% of the bound, so that the work is paid once in a while. */
  private void evictLeastRecentlyUsed() {
    if (!evicting.tryLock()) {
      return;
    }
    try {
      long excess = states.size() - (long) (maximumTenants * 0.9);
      if (excess <= 0) {
        return;
      }
      List<TenantState> all = new ArrayList<>(states.values());
      all.sort((x, y) -> Long.compare(x.lastAccess - y.lastAccess, 0));
      for (int i = 0; i < excess && i < all.size(); i++) {
        states.remove(all.get(i).tenant, all.get(i));
      }
    } finally {
      evicting.unlock();
    }
  }

  /** Drops tenants idle for longer than the idle expiry; runs at most once per half of it, on one thread. */
  private void sweep(long now) {
    long due = nextSweep.get();
    if (now - due > 0 && nextSweep.compareAndSet(due, now + idleNanos / 2)) {
      sweepNow(now);
    }
  }

  private void sweepNow(long now) {
    states.values().removeIf(state -> now - state.lastAccess > idleNanos);
    subjects.cleanUp();
  }

  private TenantState.Resolved resolve(TenantState state, long now) {
    TenantState.Resolved resolved = state.resolved;
    long version = plans.version();
    if (resolved != null && resolved.version == version && now - resolved.refreshAt < 0) {
      return resolved;
    }
    RateLimitPlan plan = plans.planOf(state.tenant);
    Attributes base = metrics.base(plan.name(), state.tenant);
    TenantState.Resolved fresh = new TenantState.Resolved(plan, version, now + planRefreshNanos, 1.0, base);
    state.resolved = fresh;
    return fresh;
  }

  private Decision record(TenantState.Resolved resolved, Decision decision) {
    if (decision.shadowDenied()) {
      metrics.decisions.add(1, resolved.shadowDenied);
    } else {
      metrics.decisions.add(1, decision.allowed() ? resolved.allowed : resolved.denied);
    }
    return decision;
  }

  private Decision shadowed(Decision decision) {
    if (decision.allowed() || !shadow) {
      return decision;
    }
    return new Decision(true, decision.remaining(), decision.reset(), decision.retryAfter(), decision.policy(),
        true, decision.degraded());
  }

  /** The in-process decision over tenant, subject and (when {@code withGlobal}) global levels. */
  private Decision local(TenantState state, TenantState.Resolved resolved, @Nullable String subject, int permits,
      long now, AtomicLong tenantCell, boolean withGlobal) {
    return local(resolved.tenant, resolved.subject, tenantCell,
        subject == null || resolved.subject == null ? null : subjectCell(state, subject, subjects),
        permits, now, withGlobal, false);
  }

  private Decision local(TenantState.Level tenantLevel, TenantState.@Nullable Level subjectLevel,
      AtomicLong tenantCell, @Nullable AtomicLong subjectCell, int permits, long now, boolean withGlobal,
      boolean degraded) {
    TenantState.Level g = withGlobal ? global : null;
    long tenantTat = Gcra.take(tenantCell, now, permits, tenantLevel.intervalNanos, tenantLevel.toleranceNanos);
    if (tenantTat == Gcra.DENIED) {
      return shadowed(denied(tenantCell, tenantLevel, permits, now, degraded));
    }
    long subjectTat = Long.MIN_VALUE;
    if (subjectCell != null && subjectLevel != null) {
      subjectTat = Gcra.take(subjectCell, now, permits, subjectLevel.intervalNanos, subjectLevel.toleranceNanos);
      if (subjectTat == Gcra.DENIED) {
        Gcra.giveBack(tenantCell, permits, tenantLevel.intervalNanos);
        return shadowed(denied(subjectCell, subjectLevel, permits, now, degraded));
      }
    }
    long globalTat = Long.MIN_VALUE;
    if (g != null) {
      globalTat = Gcra.take(globalCell, now, permits, g.intervalNanos, g.toleranceNanos);
      if (globalTat == Gcra.DENIED) {
        Gcra.giveBack(tenantCell, permits, tenantLevel.intervalNanos);
        if (subjectCell != null && subjectLevel != null) {
          Gcra.giveBack(subjectCell, permits, subjectLevel.intervalNanos);
        }
        return shadowed(denied(globalCell, g, permits, now, degraded));
      }
    }
    TenantState.Level best = tenantLevel;
    long bestTat = tenantTat;
    long bestRemaining = Gcra.remaining(tenantTat, now, tenantLevel.intervalNanos, tenantLevel.toleranceNanos);
    if (subjectCell != null && subjectLevel != null) {
      long r = Gcra.remaining(subjectTat, now, subjectLevel.intervalNanos, subjectLevel.toleranceNanos);
      if (r < bestRemaining) {
        best = subjectLevel;
        bestTat = subjectTat;
        bestRemaining = r;
      }
    }
    if (g != null) {
      long r = Gcra.remaining(globalTat, now, g.intervalNanos, g.toleranceNanos);
      if (r < bestRemaining) {
        best = g;
        bestTat = globalTat;
        bestRemaining = r;
      }
    }
    return new Decision(true, bestRemaining, Duration.ofNanos(Math.max(0, bestTat - now)), Duration.ZERO,
        best.quota, false, degraded);
  }

  private static Decision denied(AtomicLong cell, TenantState.Level level, int permits, long now, boolean degraded) {
    long tat = Gcra.peek(cell, now);
    long wait = permits > level.quota.limit()
        ? level.quota.window().toNanos()
        : Gcra.wait(cell, now, permits, level.intervalNanos, level.toleranceNanos);
    return new Decision(false, Gcra.remaining(tat, now, level.intervalNanos, level.toleranceNanos),
        Duration.ofNanos(tat - now), Duration.ofNanos(Math.max(1, wait)), level.quota, false, degraded);
  }

  private static AtomicLong subjectCell(TenantState state, String subject, Cache<SubjectKey, AtomicLong> cells) {
    return cells.get(new SubjectKey(state.tenant, subject), key -> new AtomicLong(Gcra.EMPTY));
  }

  // ---- distributed ----------------------------------------------------------------------------------------------

  private boolean takeGlobal(int permits, long now) {
    TenantState.Level g = global;
    return g == null || Gcra.take(globalCell, now, permits, g.intervalNanos, g.toleranceNanos) != Gcra.DENIED;
  }

  private void giveBackGlobal(int permits) {
    TenantState.Level g = global;
    if (g != null) {
      Gcra.giveBack(globalCell, permits, g.intervalNanos);
    }
  }

  private Decision globalDenied(int permits, long now) {
    TenantState.Level g = Objects.requireNonNull(global);
    return shadowed(denied(globalCell, g, permits, now, false));
  }

  private static String[] keys(TenantState state, TenantState.Resolved resolved, @Nullable String subject) {
    if (subject == null || resolved.subject == null) {
      return new String[] {state.redisKey};
    }
    return new String[] {state.redisKey, state.redisSubjectPrefix + subject};
  }

  private String[] args(TenantState.Resolved resolved, @Nullable String subject, int permits, long now) {
    String time = callerClock ? Long.toString(Math.floorDiv(now, 1000)) : SERVER_CLOCK;
    String extraTtl = callerClock ? "600000" : "1";
    TenantState.Level s = resolved.subject;
    if (subject == null || s == null) {
      return new String[] {time, Integer.toString(permits), extraTtl,
          resolved.tenant.intervalMicros, resolved.tenant.toleranceMicros};
    }
    return new String[] {time, Integer.toString(permits), extraTtl,
        resolved.tenant.intervalMicros, resolved.tenant.toleranceMicros, s.intervalMicros, s.toleranceMicros};
  }

  /** The remembered tenant-level denial that still covers this request, aged to {@code now}; else null. */
  private @Nullable Decision remembered(TenantState state, TenantState.Resolved resolved, int permits, long now) {
    TenantState.Denial d = state.denial;
    if (d == null || d.plan() != resolved || permits < d.permits() || now - d.until() >= 0) {
      return null;
    }
    Decision was = d.decision();
    Duration elapsed = Duration.ofNanos(Math.max(0, now - d.at()));
    Duration reset = was.reset().minus(elapsed);
    Duration retry = was.retryAfter().minus(elapsed);
    return new Decision(false, was.remaining(), reset.isNegative() ? Duration.ZERO : reset,
        retry.isNegative() || retry.isZero() ? Duration.ofNanos(1000) : retry, was.policy(), false, false);
  }

  private Decision fromReply(List<Object> reply, TenantState state, TenantState.Resolved resolved,
      @Nullable String subject, int permits, long now) {
    boolean allowed = RedisScripts.asLong(reply.get(0)) == 1;
    int level = (int) RedisScripts.asLong(reply.get(1));
    TenantState.Level at = level == 2 && resolved.subject != null ? resolved.subject : resolved.tenant;
    long remaining = Math.max(0, RedisScripts.asLong(reply.get(2)));
    Duration reset = Duration.ofNanos(Math.max(0, RedisScripts.asLong(reply.get(3))) * 1000);
    Duration retry = Duration.ofNanos(Math.max(0, RedisScripts.asLong(reply.get(4))) * 1000);
    if (!allowed) {
      if (permits > at.quota.limit()) {
        retry = at.quota.window();
      }
      Decision denied = new Decision(false, remaining, reset, retry.isZero() ? Duration.ofNanos(1000) : retry,
          at.quota, false, false);
      if (at == resolved.tenant && !shadow) {
        // A tenant-level denial covers every subject of the tenant; a subject-level one is not remembered.
        // Kept for at most retryInterval, the limiter's bound on going without Redis, so that a failure policy
        // still takes over soon when Redis goes away in the meantime.
        long keep = Math.min(denied.retryAfter().toNanos(), retryIntervalNanos);
        state.denial = new TenantState.Denial(now + keep, permits, now, denied, resolved);
      }
      return shadowed(denied);
    }
    TenantState.Level g = global;
    if (g != null) {
      long globalTat = Gcra.peek(globalCell, now);
      long r = Gcra.remaining(globalTat, now, g.intervalNanos, g.toleranceNanos);
      if (r < remaining) {
        return new Decision(true, r, Duration.ofNanos(globalTat - now), Duration.ZERO, g.quota, false, false);
      }
    }
    return new Decision(true, remaining, reset, Duration.ZERO, at.quota, false, false);
  }

  private boolean isDown(long now) {
    return down && now - downUntil < 0;
  }

  private void recovered() {
    if (down) {
      down = false;
      LOG.info("Redis answers rate-limit decisions again; the failure policy no longer applies");
    }
  }

  private Decision failed(TenantState state, TenantState.Resolved resolved, @Nullable String subject, int permits,
      long now, Throwable error) {
    downUntil = now + retryIntervalNanos;
    if (!down) {
      down = true;
      LOG.warn("Redis failed a rate-limit decision ({}); applying {} for {} ms before trying again", error.toString(),
          failurePolicy.mode(), retryIntervalNanos / 1_000_000);
    }
    return degraded(state, resolved, subject, permits, now);
  }

  private Decision degraded(TenantState state, TenantState.Resolved resolved, @Nullable String subject,
      int permits, long now) {
    Quota quota = resolved.tenant.quota;
    switch (failurePolicy.mode()) {
      case FAIL_OPEN:
        return new Decision(true, quota.limit(), Duration.ZERO, Duration.ZERO, quota, false, true);
      case FAIL_CLOSED:
        return shadowed(new Decision(false, 0, Duration.ofNanos(retryIntervalNanos),
            Duration.ofNanos(retryIntervalNanos), quota, false, true));
      default:
        return Objects.requireNonNull(fallback).decide(state, resolved, subject, permits, now);
    }
  }

  /** The in-process limiter used while Redis is unavailable, with a share of each quota. */
  private final class Fallback {
    final double share;
    final Cache<Object, AtomicLong> cells;

    Fallback(double share, long maximum, Duration idle, LongSupplier ticker) {
      this.share = share;
      this.cells = Caffeine.newBuilder()
          .maximumSize(maximum)
          .expireAfterAccess(idle)
          .ticker(ticker::getAsLong)
          .build();
    }

    Decision decide(TenantState state, TenantState.Resolved resolved, @Nullable String subject, int permits,
        long now) {
      TenantState.Level tenantLevel = new TenantState.Level(resolved.plan.tenantQuota().scaled(share));
      Quota subjectQuota = resolved.plan.subjectQuota();
      TenantState.Level subjectLevel =
          subject == null || subjectQuota == null ? null : new TenantState.Level(subjectQuota.scaled(share));
      AtomicLong tenantCell = cells.get(state.tenant, key -> new AtomicLong(Gcra.EMPTY));
      AtomicLong subjectCell = subjectLevel == null
          ? null
          : cells.get(new SubjectKey(state.tenant, Objects.requireNonNull(subject)),
              key -> new AtomicLong(Gcra.EMPTY));
      return local(tenantLevel, subjectLevel, tenantCell, subjectCell, permits, now, true, true);
    }
  }

  /** The key of a subject's cell. */
  private record SubjectKey(TenantId tenant, String subject) {}
}
