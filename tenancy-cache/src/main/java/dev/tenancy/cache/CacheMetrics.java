package dev.tenancy.cache;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenTelemetry instruments of one cache. Attributes are built once per cache (and once per tenant when the
 * tenant attribute is on), so recording allocates nothing on the hit path.
 */
final class CacheMetrics {

  static final AttributeKey<String> CACHE = AttributeKey.stringKey("cache.name");
  static final AttributeKey<String> ERROR = AttributeKey.stringKey("error.type");

  private final LongCounter hits;
  private final LongCounter misses;
  private final LongCounter loads;
  private final LongCounter errors;
  private final LongCounter evictions;
  private final LongCounter droppedWrites;
  private final DoubleHistogram loadDuration;
  private final Attributes base;
  private final boolean perTenant;
  private final ConcurrentHashMap<TenantId, Attributes> tenants = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Attributes> errorTypes = new ConcurrentHashMap<>();

  CacheMetrics(OpenTelemetry otel, String cache, boolean perTenant) {
    Meter meter = otel.getMeter("dev.tenancy.cache");
    hits = meter.counterBuilder("tenancy.cache.hits").setDescription("cache lookups served from the cache").build();
    misses = meter.counterBuilder("tenancy.cache.misses").setDescription("cache lookups not served from the cache").build();
    loads = meter.counterBuilder("tenancy.cache.loads").setDescription("loader calls").build();
    errors = meter.counterBuilder("tenancy.cache.errors")
        .setDescription("backend failures, loader failures, undecodable and oversized values").build();
    evictions = meter.counterBuilder("tenancy.cache.evictions")
        .setDescription("in-process entries evicted for capacity").build();
    droppedWrites = meter.counterBuilder("tenancy.cache.writes.dropped")
        .setDescription("writes not made because the backend was unavailable").build();
    loadDuration = meter.histogramBuilder("tenancy.cache.load.duration").setUnit("s")
        .setDescription("time spent in the loader").build();
    this.base = Attributes.of(CACHE, cache);
    this.perTenant = perTenant;
  }

  private Attributes attrs(TenantId tenant) {
    if (!perTenant) {
      return base;
    }
    return tenants.computeIfAbsent(tenant,
        t -> base.toBuilder().put(TenantContext.SPAN_ATTRIBUTE, t.value()).build());
  }

  void hit(TenantId tenant) {
    hits.add(1, attrs(tenant));
  }

  void miss(TenantId tenant) {
    misses.add(1, attrs(tenant));
  }

  void load(TenantId tenant, long nanos) {
    Attributes a = attrs(tenant);
    loads.add(1, a);
    loadDuration.record(nanos / 1e9, a);
  }

  void error(String type) {
    errors.add(1, errorTypes.computeIfAbsent(type, t -> base.toBuilder().put(ERROR, t).build()));
  }

  void eviction() {
    evictions.add(1, base);
  }

  void droppedWrite() {
    droppedWrites.add(1, base);
  }
}
