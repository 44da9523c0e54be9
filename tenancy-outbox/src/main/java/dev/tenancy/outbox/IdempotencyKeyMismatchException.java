package dev.tenancy.outbox;

import dev.tenancy.TenancyException;

/**
 * An idempotency key was reused with a different request: answer HTTP 422 (Unprocessable Content), as the
 * Idempotency-Key draft says. The client must use a new key for a new request.
 */
public final class IdempotencyKeyMismatchException extends TenancyException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status this error maps to. */
  public static final int HTTP_STATUS = 422;

  IdempotencyKeyMismatchException(String key, String operation) {
    super("idempotency key '" + OutboxEvent.printable(key) + "' of operation '" + OutboxEvent.printable(operation)
        + "' was already used with a different request; send a new key for a new request");
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
