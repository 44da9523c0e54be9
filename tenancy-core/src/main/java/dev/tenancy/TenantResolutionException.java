package dev.tenancy;

/**
 * Thrown when a request names its tenant in a way that cannot be accepted: malformed, ambiguous, or not named
 * at all where a tenant is required. Map it to HTTP 400 (or 401 when the tenant should come from credentials).
 */
public final class TenantResolutionException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong with the request
   */
  public TenantResolutionException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what was wrong with the request
   * @param cause the underlying failure, e.g. the id validation error
   */
  public TenantResolutionException(String message, Throwable cause) {
    super(message, cause);
  }
}
