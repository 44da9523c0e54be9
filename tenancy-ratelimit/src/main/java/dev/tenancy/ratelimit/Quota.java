package dev.tenancy.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named rate: at most {@code limit} permits per {@code window}, all of which may be taken at once (the burst).
 *
 * <p>The name is what the {@code RateLimit-Policy} field calls the policy, e.g. {@code "pro"}. The permits come
 * back at an even pace: one every {@code window / limit}, rounded up to a whole microsecond so that the distributed
 * and the local limiter agree and neither admits more than the quota.
 *
 * @param name the policy name: 1 to 64 characters of letters, digits, {@code -}, {@code _} or {@code .}
 * @param limit the permits per window and the burst, at least 1
 * @param window the window, at least one millisecond
 */
public record Quota(String name, long limit, Duration window) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final long MAX_WINDOW_MICROS = 366L * 24 * 3600 * 1_000_000;

  /**
   * Validates the quota.
   *
   * @param name the policy name
   * @param limit the permits per window
   * @param window the window
   * @throws IllegalArgumentException when a field is out of range; the message says which
   */
  public Quota {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(window, "window");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("quota name must match " + NAME.pattern() + " but was '" + name + "'");
    }
    if (limit < 1 || limit > 1_000_000_000L) {
      throw new IllegalArgumentException("quota limit must be 1 to 1e9 but was " + limit);
    }
    if (window.compareTo(Duration.ofMillis(1)) < 0 || window.toNanos() / 1000 > MAX_WINDOW_MICROS) {
      throw new IllegalArgumentException("quota window must be 1 ms to 366 days but was " + window);
    }
  }

  /**
   * Creates a quota.
   *
   * @param name the policy name
   * @param limit the permits per window
   * @param window the window
   * @return the quota
   */
  public static Quota of(String name, long limit, Duration window) {
    return new Quota(name, limit, window);
  }

  /** @return the interval between two permits in microseconds, rounded up */
  long intervalMicros() {
    long micros = window.toNanos() / 1000;
    return Math.max(1, (micros + limit - 1) / limit);
  }

  /**
   * Returns this quota scaled to a share, keeping at least one permit.
   *
   * @param share the fraction, in (0, 1]
   * @return the scaled quota
   */
  Quota scaled(double share) {
    if (share >= 1.0) {
      return this;
    }
    return new Quota(name, Math.max(1, (long) Math.floor(limit * share)), window);
  }
}
