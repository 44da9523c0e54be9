package dev.tenancy.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one rate-limit decision, with what a client needs to pace itself.
 *
 * <p>When several levels apply (global, tenant, subject), {@link #policy()}, {@link #remaining()} and
 * {@link #reset()} describe the level with the fewest permits left, as draft-ietf-httpapi-ratelimit-headers asks;
 * on a denial they describe the level that denied.
 *
 * @param allowed whether the request may proceed (always true in shadow mode)
 * @param remaining permits left in the policy after this decision
 * @param reset time until the policy's full quota is available again
 * @param retryAfter time until the same request would be allowed; zero when allowed
 * @param policy the quota described
 * @param shadowDenied true when shadow mode let through a request the limits would have denied
 * @param degraded true when the decision was taken by the failure policy because the store was unavailable
 */
public record Decision(
    boolean allowed,
    long remaining,
    Duration reset,
    Duration retryAfter,
    Quota policy,
    boolean shadowDenied,
    boolean degraded) {

  /**
   * Validates the decision.
   *
   * @param allowed whether the request may proceed
   * @param remaining permits left
   * @param reset time until the full quota is back
   * @param retryAfter time until the request would be allowed
   * @param policy the quota described
   * @param shadowDenied whether shadow mode let a denial through
   * @param degraded whether the failure policy decided
   * @throws IllegalArgumentException when a count or duration is negative
   */
  public Decision {
    Objects.requireNonNull(reset, "reset");
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(policy, "policy");
    if (remaining < 0 || reset.isNegative() || retryAfter.isNegative()) {
      throw new IllegalArgumentException("decision counts and durations must not be negative");
    }
  }
}
