package dev.tenancy.outbox;

import dev.tenancy.TenancyException;

/**
 * A request with the same idempotency key is still being processed in another transaction: answer HTTP 409
 * (Conflict), as the Idempotency-Key draft says. The client may retry later and will then get the first request's
 * response (or execute, if the first one failed).
 */
public final class IdempotencyKeyInFlightException extends TenancyException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status this error maps to. */
  public static final int HTTP_STATUS = 409;

  IdempotencyKeyInFlightException(String key, String operation) {
    super("a request with idempotency key '" + OutboxEvent.printable(key) + "' of operation '"
        + OutboxEvent.printable(operation) + "' is still in flight; retry after it completes");
  }

  /**
   * The HTTP status to answer with.
   *
   * @return {@value #HTTP_STATUS}
   */
  public int httpStatus() {
    return HTTP_STATUS;
  }
}
