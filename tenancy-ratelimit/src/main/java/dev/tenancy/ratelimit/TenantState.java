package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What a limiter keeps per tenant in process: the GCRA cell of the tenant level (this object's value), the
 * resolved plan, and the tenant's Redis key.
 */
final class TenantState extends AtomicLong {

  private static final long serialVersionUID = 1L;

  final TenantId tenant;
  final String redisKey;
  final String redisSubjectPrefix;
  volatile @Nullable Resolved resolved;
  /** The last tenant-level denial from Redis while it still holds; see {@link Denial}. */
  volatile @Nullable Denial denial;
  /** When the tenant was last decided; written without ordering, read by the idle sweep. */
  long lastAccess;

  TenantState(TenantId tenant, String keyPrefix) {
    super(Gcra.EMPTY);
    this.tenant = tenant;
    this.redisKey = keyPrefix + "{" + tenant.value() + "}:t";
    this.redisSubjectPrefix = keyPrefix + "{" + tenant.value() + "}:s:";
  }

  /**
   * A tenant-level denial by Redis, remembered until the time it named or for the limiter's retry interval if that
   * is shorter: before then no request of the tenant for at least {@code permits} can be allowed (a denial consumes
   * nothing and nothing gives permits back), so the limiter denies such requests in process. A tenant flooding far
   * beyond its quota then costs Redis about one call per interval instead of one per request. Tied to the resolved
   * plan it was taken under.
   *
   * @param until when the memory ends, on the limiter's clock (counted from the call's start, so never later than
   *     Redis's own retry-after)
   * @param permits the permits the denied request asked for
   * @param at when the call started, to age the decision's durations
   * @param decision what Redis answered
   * @param plan the resolved plan it was decided under
   */
  record Denial(long until, int permits, long at, Decision decision, Resolved plan) {
  }

  /** A plan resolved for this tenant, with everything a decision needs precomputed. */
  static final class Resolved {
    final RateLimitPlan plan;
    final long version;
    final long refreshAt;
    final Level tenant;
    final @Nullable Level subject;
    final Attributes allowed;
    final Attributes denied;
    final Attributes shadowDenied;

    Resolved(RateLimitPlan plan, long version, long refreshAt, double share, Attributes base) {
      this.plan = plan;
      this.version = version;
      this.refreshAt = refreshAt;
      this.tenant = new Level(plan.tenantQuota().scaled(share));
      Quota subjectQuota = plan.subjectQuota();
      this.subject = subjectQuota == null ? null : new Level(subjectQuota.scaled(share));
      this.allowed = Metrics.withOutcome(base, "allowed");
      this.denied = Metrics.withOutcome(base, "denied");
      this.shadowDenied = Metrics.withOutcome(base, "shadow_denied");
    }
  }

  /** One quota as the algorithm sees it: interval and tolerance in nanoseconds and, for Redis, microseconds. */
  static final class Level {
    final Quota quota;
    final long intervalNanos;
    final long toleranceNanos;
    final String intervalMicros;
    final String toleranceMicros;

    Level(Quota quota) {
      this.quota = quota;
      long micros = quota.intervalMicros();
      this.intervalNanos = micros * 1000;
      this.toleranceNanos = intervalNanos * quota.limit();
      this.intervalMicros = Long.toString(micros);
      this.toleranceMicros = Long.toString(micros * quota.limit());
    }
  }
}
