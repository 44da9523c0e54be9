package dev.tenancy.jdbc.hibernate;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.jdbc.TenantDataSource;
import org.hibernate.context.spi.CurrentTenantIdentifierResolver;

/**
 * Hibernate ORM's tenant identifier, taken from {@link TenantContext}: entities with {@code @TenantId} are filtered
 * and stamped with the current tenant, while {@link TenantDataSource} and row-level security confine everything
 * Hibernate does not filter (native SQL, bulk HQL, {@code find()} by id) — defense in depth.
 *
 * <p>Register it with the setting {@code hibernate.tenant_identifier_resolver} (see {@link TenancyHibernate}).
 * Fails closed: with no tenant in context, opening a session throws {@link dev.tenancy.NoTenantException}. It
 * never declares a root tenant, so Hibernate's filter is never switched off.
 *
 * <p>Thread-safe and stateless.
 */
public final class TenantIdentifierResolver implements CurrentTenantIdentifierResolver<String> {

  /** Creates the resolver. */
  public TenantIdentifierResolver() {}

  /**
   * Returns the current tenant id.
   *
   * @return the id text of the tenant in context
   * @throws dev.tenancy.NoTenantException if no tenant is in context
   */
  @Override
  public String resolveCurrentTenantIdentifier() {
    return TenantContext.require().value();
  }

  /**
   * Asks Hibernate to check that a current session belongs to the current tenant.
   *
   * @return true
   */
  @Override
  public boolean validateExistingCurrentSessions() {
    return true;
  }

  /**
   * Never treats a tenant as root: cross-tenant work belongs to a separate data source and role.
   *
   * @param tenantId the tenant
   * @return false
   */
  @Override
  public boolean isRoot(String tenantId) {
    return false;
  }

  /**
   * Converts a Hibernate tenant identifier back to a {@link TenantId}.
   *
   * @param identifier the identifier Hibernate holds
   * @return the tenant id
   */
  public static TenantId toTenantId(Object identifier) {
    return TenantId.of(String.valueOf(identifier));
  }
}
