package dev.tenancy;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One binding on one thread's stack of scopes. Immutable but for {@code closed}, which only the owner thread
 * touches, so no synchronisation is needed.
 */
final class Frame implements TenantScope {

  final @Nullable TenantId tenant; // null for the system scope and for an explicit "no tenant" binding
  final @Nullable String systemReason; // non-null exactly for the system scope
  final @Nullable Frame parent;
  final Thread owner;
  boolean closed;
  private @Nullable TenantSnapshot snapshot;
  @SuppressWarnings("NullableOptional") // null until first asked: a lazily built cache, never handed out
  private @Nullable Optional<TenantId> current;

  Frame(@Nullable TenantId tenant, @Nullable String systemReason, @Nullable Frame parent) {
    this.tenant = tenant;
    this.systemReason = systemReason;
    this.parent = parent;
    this.owner = Thread.currentThread();
  }

  /** The MDC value of this binding, or null when the key must be absent. */
  @Nullable String mdcValue() {
    if (tenant != null) {
      return tenant.value();
    }
    return systemReason != null ? TenantContext.SYSTEM_MDC_VALUE : null;
  }

  boolean sameBinding(@Nullable TenantId otherTenant, @Nullable String otherReason) {
    return Objects.equals(tenant, otherTenant) && Objects.equals(systemReason, otherReason);
  }

  // Cached so that capturing the same scope repeatedly (one capture per submitted task) allocates nothing.
  TenantSnapshot snapshot() {
    TenantSnapshot s = snapshot;
    if (s == null) {
      s = new TenantSnapshot(tenant, systemReason);
      snapshot = s;
    }
    return s;
  }

  // Cached: TenantContext.current() is called on hot paths (every JDBC transaction, every cache key).
  @Override
  public Optional<TenantId> tenant() {
    Optional<TenantId> c = current;
    if (c == null) {
      c = Optional.ofNullable(tenant);
      current = c;
    }
    return c;
  }

  @Override
  public void close() {
    TenantContext.close(this);
  }

  @Override
  public String toString() {
    if (tenant != null) {
      return "TenantScope[" + tenant + "]";
    }
    return systemReason != null ? "TenantScope[system: " + systemReason + "]" : "TenantScope[no tenant]";
  }
}
