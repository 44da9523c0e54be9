package dev.tenancy.ratelimit;

/**
 * What a distributed limiter or budget does while its store (Redis) is down or slower than its timeout.
 *
 * <p>The limiter notices a failure on the first decision that times out or fails, applies this policy without
 * asking the store for {@code retryInterval} (so callers do not each wait the timeout), then tries the store again
 * and returns to it as soon as it answers.
 *
 * @param mode what to do
 * @param share for {@link Mode#LOCAL_FALLBACK}: the fraction of each quota this instance may grant on its own,
 *     e.g. {@code 0.25} with four instances; 1 for the other modes
 */
public record FailurePolicy(Mode mode, double share) {

  /** Allow every request while the store is unavailable. */
  public static final FailurePolicy FAIL_OPEN = new FailurePolicy(Mode.FAIL_OPEN, 1.0);

  /** Deny every request while the store is unavailable. */
  public static final FailurePolicy FAIL_CLOSED = new FailurePolicy(Mode.FAIL_CLOSED, 1.0);

  /** The three behaviours. */
  public enum Mode {
    /** Allow. */
    FAIL_OPEN,
    /** Deny. */
    FAIL_CLOSED,
    /** Decide with an in-process limiter holding a share of each quota. */
    LOCAL_FALLBACK
  }

  /**
   * Validates the policy.
   *
   * @param mode what to do
   * @param share the fraction of each quota for the local fallback
   * @throws IllegalArgumentException when the share is not in (0, 1]
   */
  public FailurePolicy {
    java.util.Objects.requireNonNull(mode, "mode");
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("failure policy share must be in (0, 1] but was " + share);
    }
  }

  /**
   * Decides with an in-process limiter holding a share of every quota while the store is unavailable.
   *
   * @param share this instance's fraction of each quota, in (0, 1], typically 1 / number of instances
   * @return the policy
   */
  public static FailurePolicy localFallback(double share) {
    return new FailurePolicy(Mode.LOCAL_FALLBACK, share);
  }
}
