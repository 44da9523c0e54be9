package dev.tenancy;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Says which tenants exist, whether they are active, and which tier they are on. Implement it over your tenant
 * registry (a table, a config service), usually behind a cache; implementations must be thread-safe.
 */
@FunctionalInterface
public interface TenantDirectory {

  /**
   * Looks a tenant up.
   *
   * @param tenant the tenant id
   * @return what is known of it, or empty if it does not exist
   */
  Optional<TenantInfo> find(TenantId tenant);

  /**
   * Returns the tenant's info if it exists and is active.
   *
   * @param tenant the tenant id
   * @return its info
   * @throws UnknownTenantException if it does not exist
   * @throws TenantSuspendedException if it is not active
   */
  default TenantInfo requireActive(TenantId tenant) {
    Objects.requireNonNull(tenant, "tenant");
    TenantInfo info = find(tenant).orElseThrow(() -> new UnknownTenantException(tenant));
    if (!info.isActive()) {
      throw new TenantSuspendedException(tenant);
    }
    return info;
  }

  /**
   * Returns an immutable in-memory directory, for tests, samples and fixed tenant sets.
   *
   * @param tenants the tenants; ids must be distinct
   * @return the directory
   * @throws IllegalArgumentException if an id appears twice
   */
  static TenantDirectory of(Collection<TenantInfo> tenants) {
    Map<TenantId, TenantInfo> byId = new HashMap<>();
    for (TenantInfo info : tenants) {
      if (byId.putIfAbsent(info.id(), info) != null) {
        throw new IllegalArgumentException("tenant '" + info.id() + "' appears twice in the directory");
      }
    }
    Map<TenantId, TenantInfo> copy = Map.copyOf(byId);
    return tenant -> Optional.ofNullable(copy.get(tenant));
  }
}
