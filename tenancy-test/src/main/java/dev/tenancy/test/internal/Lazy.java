package dev.tenancy.test.internal;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A value computed once on first use; a failure is remembered and rethrown to every later caller.
 *
 * <p>Remembering the failure matters: when no server can be started, every test should fail at once with the same
 * message instead of each one waiting for the same timeouts again. Thread-safe.
 *
 * @param <T> the value type
 */
public final class Lazy<T> {
  private final Supplier<T> supplier;
  private @Nullable T value;
  private @Nullable RuntimeException failure;

  /**
   * Creates a lazy value.
   *
   * @param supplier computes the value; may throw
   */
  public Lazy(Supplier<T> supplier) {
    this.supplier = supplier;
  }

  /**
   * Returns the value, computing it on the first call.
   *
   * @return the value
   * @throws RuntimeException the failure of the first computation, on every call
   */
  public synchronized T get() {
    T current = value;
    if (current == null && failure == null) {
      try {
        current = supplier.get();
        value = current;
      } catch (RuntimeException | Error e) {
        failure = e instanceof RuntimeException r ? r : new IllegalStateException(e.toString(), e);
      }
    }
    RuntimeException failed = failure;
    if (failed != null || current == null) {
      // A fresh exception per caller keeps each test's stack trace; the original stays attached as the cause.
      throw failed != null ? new IllegalStateException(failed.getMessage(), failed)
          : new IllegalStateException("the supplier returned null");
    }
    return current;
  }
}
