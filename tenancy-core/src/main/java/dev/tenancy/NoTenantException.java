package dev.tenancy;

/**
 * Thrown when work that must belong to a tenant runs with no tenant in context (or in a system scope, which
 * has no tenant). Tenancy fails closed: it never falls back to a default or a previous tenant.
 */
public final class NoTenantException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what needed a tenant, and what to do
   */
  public NoTenantException(String message) {
    super(message);
  }
}
