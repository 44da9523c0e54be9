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
  /** When the tenant was last decided; written without ordering, read by the idle sweep. */
  long lastAccess;

  TenantState(TenantId tenant, String keyPrefix) {
    super(Gcra.EMPTY);
    this.tenant = tenant;
    this.redisKey = keyPrefix + "{" + tenant.value() + "}:t";
    this.redisSubjectPrefix = keyPrefix + "{" + tenant.value() + "}:s:";
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
