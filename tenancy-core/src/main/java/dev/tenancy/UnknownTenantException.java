package dev.tenancy;

/**
 * Thrown when a well-formed tenant id names no tenant the {@link TenantDirectory} knows. Map it to HTTP 404 or
 * 403; do not echo whether the tenant exists to unauthenticated callers.
 */
public final class UnknownTenantException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /** The tenant no directory knows. */
  private final TenantId tenant;

  /**
   * Creates the exception.
   *
   * @param tenant the id that is not known
   */
  public UnknownTenantException(TenantId tenant) {
    super("tenant '" + tenant + "' is not known to the tenant directory; check the id or provision the tenant");
    this.tenant = tenant;
  }

  /**
   * Returns the id that is not known.
   *
   * @return the id
   */
  public TenantId tenant() {
    return tenant;
  }
}
