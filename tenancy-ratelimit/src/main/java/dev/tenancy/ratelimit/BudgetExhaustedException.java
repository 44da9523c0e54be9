package dev.tenancy.ratelimit;

import dev.tenancy.TenancyException;

/**
 * Thrown when a concurrency budget cannot grant a lease within the allowed wait: the tenant has its plan's
 * maximum of operations in flight, or the store is unavailable and the failure policy is fail-closed.
 *
 * <p>Map it to HTTP 429 or 503 (with {@code Retry-After}) or retry the background job later.
 */
public final class BudgetExhaustedException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened and what to do
   */
  public BudgetExhaustedException(String message) {
    super(message);
  }
}
