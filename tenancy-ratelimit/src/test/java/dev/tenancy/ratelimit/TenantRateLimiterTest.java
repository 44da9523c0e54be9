package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import dev.tenancy.TenantStatus;
import dev.tenancy.TenantSuspendedException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TenantRateLimiterTest {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

  private TenantRateLimiter local(RateLimitPlans plans) {
    return TenantRateLimiter.builder().plans(plans).clock(clock::get).build();
  }

  @Test
  void tiersOfTheDirectoryChoosePlansAndOverridesWin() {
    Map<TenantId, TenantInfo> tenants = new ConcurrentHashMap<>(Map.of(
        ACME, TenantInfo.active(ACME, "pro"), GLOBEX, TenantInfo.active(GLOBEX, "free")));
    TenantDirectory directory = tenant -> Optional.ofNullable(tenants.get(tenant));
    RateLimitPlans plans = RateLimitPlans.of(directory, RateLimitPlan.of("free", 2, Duration.ofHours(1)))
        .tier("pro", RateLimitPlan.of("pro", 5, Duration.ofHours(1)));
    TenantRateLimiter limiter = local(plans);
    assertThat(allowedOf(limiter, ACME, 10)).isEqualTo(5);
    assertThat(allowedOf(limiter, GLOBEX, 10)).isEqualTo(2);
    plans.override(GLOBEX, RateLimitPlan.of("vip", 10, Duration.ofHours(1)));
    // applies at once: the burst was used up and stays used up, but refills at the new rate (one per 6 minutes)
    assertThat(allowedOf(limiter, GLOBEX, 20)).isZero();
    clock.addAndGet(Duration.ofMinutes(6).toNanos());
    assertThat(allowedOf(limiter, GLOBEX, 20)).isEqualTo(1);
    clock.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(allowedOf(limiter, GLOBEX, 20)).isEqualTo(10);
    assertThat(limiter.decide(GLOBEX).policy().name()).isEqualTo("vip");
    plans.removeOverride(GLOBEX);
    assertThat(limiter.decide(GLOBEX).policy().name()).isEqualTo("free");
  }

  @Test
  void planChangesApplyAtRuntimeWithoutRestart() {
    RateLimitPlans plans = TestPlans.uniform(2, Duration.ofHours(1));
    TenantRateLimiter limiter = local(plans);
    assertThat(allowedOf(limiter, ACME, 1)).isEqualTo(1);
    clock.addAndGet(Duration.ofMinutes(15).toNanos()); // half a permit back at the old rate
    // the new plan keeps the fraction of the window in use (1/4) and applies its own quota and rate
    plans.defaultPlan(RateLimitPlan.of("std", 8, Duration.ofHours(1)));
    assertThat(allowedOf(limiter, ACME, 10)).isEqualTo(6);
    clock.addAndGet(Duration.ofMinutes(15).toNanos());
    assertThat(allowedOf(limiter, ACME, 10)).isEqualTo(2);
  }

  @Test
  void tierChangeInTheDirectoryIsSeenAfterThePlanRefresh() {
    Map<TenantId, TenantInfo> tenants = new ConcurrentHashMap<>(Map.of(ACME, TenantInfo.active(ACME, "free")));
    RateLimitPlans plans = RateLimitPlans.of(tenant -> Optional.ofNullable(tenants.get(tenant)),
        RateLimitPlan.of("free", 1, Duration.ofHours(1))).tier("pro", RateLimitPlan.of("pro", 3, Duration.ofHours(1)));
    TenantRateLimiter limiter = TenantRateLimiter.builder().plans(plans).clock(clock::get)
        .planRefresh(Duration.ofSeconds(5)).build();
    assertThat(limiter.decide(ACME).policy().name()).isEqualTo("free");
    tenants.put(ACME, TenantInfo.active(ACME, "pro"));
    assertThat(limiter.decide(ACME).policy().name()).isEqualTo("free");
    clock.addAndGet(Duration.ofSeconds(6).toNanos());
    assertThat(limiter.decide(ACME).policy().name()).isEqualTo("pro");
    tenants.put(ACME, new TenantInfo(ACME, TenantStatus.SUSPENDED, "pro"));
    clock.addAndGet(Duration.ofSeconds(6).toNanos());
    assertThatThrownBy(() -> limiter.decide(ACME)).isInstanceOf(TenantSuspendedException.class);
  }

  @Test
  void globalTenantAndSubjectLevelsDecideTogether() {
    RateLimitPlans plans = RateLimitPlans.of(TestPlans.EVERYONE,
        RateLimitPlan.of("std", 3, Duration.ofHours(1)).withSubjectQuota(2, Duration.ofHours(1)));
    TenantRateLimiter limiter = TenantRateLimiter.builder().plans(plans).clock(clock::get)
        .globalQuota(Quota.of("global", 5, Duration.ofHours(1))).build();
    assertThat(limiter.decide(ACME, "alice").allowed()).isTrue();
    Decision second = limiter.decide(ACME, "alice");
    assertThat(second.allowed()).isTrue();
    assertThat(second.policy().name()).isEqualTo("std-subject");
    assertThat(second.remaining()).isZero();
    Decision third = limiter.decide(ACME, "alice");
    assertThat(third.allowed()).isFalse();
    assertThat(third.policy().name()).isEqualTo("std-subject");
    assertThat(third.retryAfter()).isEqualTo(Duration.ofMinutes(30));
    assertThat(limiter.decide(ACME, "bob").allowed()).isTrue(); // alice's denial cost the tenant nothing
    Decision tenantFull = limiter.decide(ACME, "bob");
    assertThat(tenantFull.allowed()).isFalse();
    assertThat(tenantFull.policy().name()).isEqualTo("std");
    assertThat(limiter.decide(GLOBEX).allowed()).isTrue();
    assertThat(limiter.tryAcquire(GLOBEX)).isTrue();
    Decision globalFull = limiter.decide(GLOBEX);
    assertThat(globalFull.allowed()).isFalse();
    assertThat(globalFull.policy().name()).isEqualTo("global");
    assertThat(limiter.tryAcquire(GLOBEX)).isFalse();
    clock.addAndGet(Duration.ofMinutes(12).toNanos()); // one global permit back
    assertThat(limiter.tryAcquire(GLOBEX)).isTrue();
  }

  @Test
  void decisionReportsRemainingResetAndRetryAfter() {
    TenantRateLimiter limiter = local(TestPlans.uniform(100, Duration.ofSeconds(60)));
    Decision first = limiter.decide(ACME);
    assertThat(first.remaining()).isEqualTo(99);
    assertThat(first.reset()).isEqualTo(Duration.ofMillis(600));
    assertThat(limiter.decide(ACME, null, 99).remaining()).isZero();
    Decision denied = limiter.decide(ACME);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(600));
    assertThat(denied.reset()).isEqualTo(Duration.ofSeconds(60));
    clock.addAndGet(Duration.ofMillis(600).toNanos());
    assertThat(limiter.decide(ACME).allowed()).isTrue();
    assertThat(limiter.decide(ACME, null, 101).retryAfter()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void headersFollowTheDraft() {
    TenantRateLimiter limiter = local(TestPlans.uniform(100, Duration.ofSeconds(60)));
    limiter.decide(ACME, null, 58);
    Decision decision = limiter.decide(ACME);
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    RateLimitHeaders.write(decision, headers::put);
    assertThat(headers).containsExactly(
        Map.entry("RateLimit-Policy", "\"std\";q=100;w=60"),
        Map.entry("RateLimit", "\"std\";r=41;t=36"));
    limiter.decide(ACME, null, 41);
    headers.clear();
    RateLimitHeaders.write(limiter.decide(ACME), headers::put);
    assertThat(headers).containsEntry("Retry-After", "1").containsEntry("RateLimit", "\"std\";r=0;t=60");
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(10)).build();
    try (ConcurrencyBudget.Lease lease = budget.acquire(ACME, Duration.ZERO)) {
      assertThat(RateLimitHeaders.concurrencyPolicy("jobs", lease)).isEqualTo("\"jobs\";q=10;qu=\"concurrent-requests\"");
      assertThat(RateLimitHeaders.concurrency("jobs", lease)).isEqualTo("\"jobs\";r=9");
    }
  }

  @Test
  void shadowModeAllowsEverythingAndCountsWhatItWouldDeny() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    TenantRateLimiter limiter = TenantRateLimiter.builder().plans(TestPlans.uniform(3, Duration.ofHours(1)))
        .clock(clock::get).shadowMode(true).openTelemetry(otel).build();
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(ACME)).isTrue();
    }
    Decision shadowed = limiter.decide(ACME);
    assertThat(shadowed.allowed()).isTrue();
    assertThat(shadowed.shadowDenied()).isTrue();
    assertThat(count(reader, "std", "allowed", null)).isEqualTo(3);
    assertThat(count(reader, "std", "shadow_denied", null)).isEqualTo(3);
    assertThat(count(reader, "std", "denied", null)).isZero();
  }

  @Test
  void metricsCountPerPlanAndTheTenantOnlyWhenAskedFor() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    TenantRateLimiter plain = TenantRateLimiter.builder().plans(TestPlans.uniform(1, Duration.ofHours(1)))
        .clock(clock::get).openTelemetry(otel).build();
    plain.tryAcquire(ACME);
    plain.tryAcquire(ACME);
    plain.decide(GLOBEX);
    assertThat(count(reader, "std", "allowed", null)).isEqualTo(2);
    assertThat(count(reader, "std", "denied", null)).isEqualTo(1);
    InMemoryMetricReader tenantReader = InMemoryMetricReader.create();
    OpenTelemetrySdk tenantOtel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(tenantReader).build()).build();
    TenantRateLimiter withTenant = TenantRateLimiter.builder().plans(TestPlans.uniform(1, Duration.ofHours(1)))
        .clock(clock::get).openTelemetry(tenantOtel).tenantAttribute(true).build();
    withTenant.tryAcquire(ACME);
    withTenant.tryAcquire(GLOBEX);
    withTenant.tryAcquire(GLOBEX);
    assertThat(count(tenantReader, "std", "allowed", "acme")).isEqualTo(1);
    assertThat(count(tenantReader, "std", "denied", "globex")).isEqualTo(1);
  }

  @Test
  void idleTenantsAreEvictedAndMemoryIsBounded() {
    TenantRateLimiter limiter = TenantRateLimiter.builder().plans(TestPlans.uniform(1, Duration.ofSeconds(1)))
        .clock(clock::get).maximumTenants(1_000).idleExpiry(Duration.ofMinutes(1)).build();
    for (int i = 0; i < 20_000; i++) {
      limiter.tryAcquire(TenantId.of("t" + i));
    }
    DefaultTenantRateLimiter impl = (DefaultTenantRateLimiter) limiter;
    assertThat(impl.trackedTenants()).isLessThanOrEqualTo(1_000);
    clock.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(impl.trackedTenants()).isZero();
  }

  @Test
  void buildersAreStrictAndSayWhatToDo() {
    TenantRateLimiter.Builder builder = TenantRateLimiter.builder().plans(TestPlans.uniform(1, Duration.ofSeconds(1)));
    assertThatThrownBy(() -> builder.plans(TestPlans.uniform(1, Duration.ofSeconds(1))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("plans already set");
    assertThatThrownBy(() -> TenantRateLimiter.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("plans are required");
    assertThatThrownBy(() -> TenantRateLimiter.builder().plans(TestPlans.uniform(1, Duration.ofSeconds(1)))
        .failurePolicy(FailurePolicy.FAIL_OPEN).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("redis(");
    assertThatThrownBy(() -> Quota.of("bad name", 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quota name");
    assertThatThrownBy(() -> FailurePolicy.localFallback(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TenantRateLimiter.builder().keyPrefix("a{b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("braces");
    builder.build();
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
  }

  private static int allowedOf(TenantRateLimiter limiter, TenantId tenant, int requests) {
    int allowed = 0;
    for (int i = 0; i < requests; i++) {
      if (limiter.decide(tenant).allowed()) {
        allowed++;
      }
    }
    return allowed;
  }

  private static long count(InMemoryMetricReader reader, String plan, String outcome, String tenant) {
    long total = 0;
    for (MetricData metric : reader.collectAllMetrics()) {
      if (!metric.getName().equals("tenancy.ratelimit.decisions")) {
        continue;
      }
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        Attributes a = point.getAttributes();
        if (plan.equals(a.get(AttributeKey.stringKey("plan"))) && outcome.equals(a.get(AttributeKey.stringKey("outcome")))
            && (tenant == null || tenant.equals(a.get(AttributeKey.stringKey("tenant.id"))))) {
          total += point.getValue();
        }
      }
    }
    return total;
  }
}
