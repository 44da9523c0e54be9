package dev.tenancy.outbox;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builder checks shared by the module's builders, with one message form. */
final class Settings {
  private Settings() {
  }

  static void checkUnset(String option, @Nullable Object current) {
    if (current != null) {
      throw new IllegalStateException(option + " was already set to " + current + "; set it once");
    }
  }

  static void checkBuilt(boolean built) {
    if (built) {
      throw new IllegalStateException("build() was already called; use a new builder");
    }
  }

  static Duration positive(String option, Duration value) {
    Objects.requireNonNull(value, option);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be positive but was " + value);
    }
    return value;
  }

  static int atLeast(String option, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(option + " must be at least " + min + " but was " + value);
    }
    return value;
  }
}
