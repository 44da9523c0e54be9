package dev.tenancy;

/**
 * Thrown when a known tenant is not active (for example suspended for non-payment). Map it to HTTP 403 or 423.
 */
public final class TenantSuspendedException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /** The suspended tenant. */
  private final TenantId tenant;

  /**
   * Creates the exception.
   *
   * @param tenant the suspended tenant
   */
  public TenantSuspendedException(TenantId tenant) {
    super("tenant '" + tenant + "' is suspended; its requests are refused until it is reactivated");
    this.tenant = tenant;
  }

  /**
   * Returns the suspended tenant.
   *
   * @return the id
   */
  public TenantId tenant() {
    return tenant;
  }
}
