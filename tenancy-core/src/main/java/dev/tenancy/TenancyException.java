package dev.tenancy;

/**
 * The root of the runtime errors Tenancy raises when a tenant cannot be established or used safely.
 *
 * <p>Misuse of the API (a malformed id, a null argument) raises the JDK's {@link IllegalArgumentException} or
 * {@link NullPointerException} instead. Subclasses name conditions a caller would handle differently.
 */
public class TenancyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message that says what happened and what to do.
   *
   * @param message the message
   */
  public TenancyException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message the message
   * @param cause the underlying failure
   */
  public TenancyException(String message, Throwable cause) {
    super(message, cause);
  }
}
