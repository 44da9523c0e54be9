package dev.tenancy.ratelimit;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;

/** The module's instruments; attributes are built once per plan (and tenant, when opted in) and reused. */
final class Metrics {

  static final AttributeKey<String> PLAN = AttributeKey.stringKey("plan");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

  final LongCounter decisions;
  final LongUpDownCounter inFlight;
  final DoubleHistogram queueWait;
  final boolean tenantAttribute;

  Metrics(OpenTelemetry openTelemetry, boolean tenantAttribute) {
    Meter meter = openTelemetry.getMeter("dev.tenancy.ratelimit");
    this.decisions = meter.counterBuilder("tenancy.ratelimit.decisions")
        .setDescription("Rate-limit decisions by outcome: allowed, denied, shadow_denied")
        .setUnit("{decision}")
        .build();
    this.inFlight = meter.upDownCounterBuilder("tenancy.ratelimit.in_flight")
        .setDescription("Leases of concurrency budgets held, and tasks of fair executors running")
        .setUnit("{operation}")
        .build();
    this.queueWait = meter.histogramBuilder("tenancy.ratelimit.queue_wait")
        .setDescription("Time a task or a lease request waited before it ran or was granted")
        .setUnit("s")
        .build();
    this.tenantAttribute = tenantAttribute;
  }

  /** Attributes of a plan (and tenant, when opted in) without an outcome. */
  Attributes base(String plan, TenantId tenant) {
    return tenantAttribute
        ? Attributes.of(PLAN, plan, TenantContext.SPAN_ATTRIBUTE, tenant.value())
        : Attributes.of(PLAN, plan);
  }

  static Attributes withOutcome(Attributes base, String outcome) {
    return base.toBuilder().put(OUTCOME, outcome).build();
  }
}
