package dev.tenancy;

import java.util.Optional;

/**
 * Finds the tenant a request is for. Built-in resolvers are in {@link TenantResolvers}.
 *
 * <p>Contract: return empty when the request does not say which tenant it is for in the way this resolver
 * understands (so a {@linkplain TenantResolvers#firstMatch composite} may try the next one); throw
 * {@link TenantResolutionException} when the request does say, but wrongly (a malformed id, an ambiguous host).
 * A malformed value is never skipped silently: that would let a request fall through to a different tenant.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface TenantResolver {

  /**
   * Resolves the tenant of a request.
   *
   * @param request the request
   * @return the tenant, or empty when this resolver finds none
   * @throws TenantResolutionException if the request names a tenant in a way that cannot be accepted
   */
  Optional<TenantId> resolve(TenantRequest request);

  /**
   * Resolves the tenant of a request, failing when there is none.
   *
   * @param request the request
   * @return the tenant
   * @throws TenantResolutionException if no tenant is found or it cannot be accepted
   */
  default TenantId require(TenantRequest request) {
    return resolve(request).orElseThrow(() -> new TenantResolutionException(
        "the request to '" + request.path() + "' names no tenant (resolver: " + this + "); send the tenant the "
            + "way the application expects it, or authenticate"));
  }
}
