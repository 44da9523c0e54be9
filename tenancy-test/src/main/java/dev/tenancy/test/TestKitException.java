package dev.tenancy.test;

/**
 * Thrown when a fixture cannot do its job: a statement failed, a server is missing, or cleanup left something
 * behind. The message names what failed and, where there is one, the fix.
 */
public final class TestKitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do
   */
  public TestKitException(String message) {
    super(message);
  }

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do
   * @param cause the underlying failure, may be null
   */
  public TestKitException(String message, Throwable cause) {
    super(message, cause);
  }
}
