/**
 * Tenant-namespaced caching: read-through, tags, per-tenant purge, on Redis (standalone or Cluster), in process
 * (Caffeine) or both.
 *
 * <p>The front door is {@link dev.tenancy.cache.TenantCache#builder(String, CacheCodec)}. Every entry belongs to
 * the tenant in {@link dev.tenancy.TenantContext}; with no tenant in context every operation fails with
 * {@link dev.tenancy.NoTenantException}, never falling back to a shared key. See {@code docs/cache.md}.
 */
@NullMarked
package dev.tenancy.cache;

import org.jspecify.annotations.NullMarked;
