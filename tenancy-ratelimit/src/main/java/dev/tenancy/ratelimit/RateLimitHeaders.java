package dev.tenancy.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The HTTP fields of draft-ietf-httpapi-ratelimit-headers-11 for a {@link Decision} or a
 * {@link ConcurrencyBudget.Lease}, framework-neutral: hand {@link #write} your response's header setter.
 * <pre>
 * RateLimit-Policy: "pro";q=100;w=60
 * RateLimit: "pro";r=42;t=17
 * Retry-After: 3                                  (only on a denial, i.e. with status 429)
 * RateLimit-Policy: "jobs";q=10;qu="concurrent-requests"
 * RateLimit: "jobs";r=3
 * </pre>
 * Windows and times are whole seconds rounded up, so a client that waits them is never early.
 */
public final class RateLimitHeaders {

  /** The {@code RateLimit-Policy} field name. */
  public static final String POLICY = "RateLimit-Policy";

  /** The {@code RateLimit} field name. */
  public static final String RATE_LIMIT = "RateLimit";

  /** The {@code Retry-After} field name. */
  public static final String RETRY_AFTER = "Retry-After";

  private RateLimitHeaders() {}

  /**
   * Returns the {@code RateLimit-Policy} item of the decision's policy.
   *
   * @param decision the decision
   * @return e.g. {@code "pro";q=100;w=60}
   */
  public static String policy(Decision decision) {
    Quota quota = decision.policy();
    return quoted(quota.name()) + ";q=" + quota.limit() + ";w=" + ceilSeconds(quota.window());
  }

  /**
   * Returns the {@code RateLimit} item of the decision.
   *
   * @param decision the decision
   * @return e.g. {@code "pro";r=42;t=17}
   */
  public static String rateLimit(Decision decision) {
    return quoted(decision.policy().name()) + ";r=" + decision.remaining() + ";t=" + ceilSeconds(decision.reset());
  }

  /**
   * Returns the {@code Retry-After} value (delay-seconds) of a denied decision.
   *
   * @param decision the decision
   * @return the seconds, rounded up and at least 1; empty when the decision allows the request
   */
  public static Optional<String> retryAfter(Decision decision) {
    if (decision.allowed()) {
      return Optional.empty();
    }
    return Optional.of(Long.toString(Math.max(1, ceilSeconds(decision.retryAfter()))));
  }

  /**
   * Writes {@code RateLimit-Policy}, {@code RateLimit} and, when denied, {@code Retry-After}.
   *
   * @param decision the decision
   * @param header called with each field name and value, e.g. {@code response::setHeader}
   */
  public static void write(Decision decision, BiConsumer<String, String> header) {
    Objects.requireNonNull(header, "header");
    header.accept(POLICY, policy(decision));
    header.accept(RATE_LIMIT, rateLimit(decision));
    retryAfter(decision).ifPresent(value -> header.accept(RETRY_AFTER, value));
  }

  /**
   * Returns the {@code RateLimit-Policy} item of a concurrency budget, in the {@code concurrent-requests} unit.
   *
   * @param name the policy name, as {@link Quota#name()}
   * @param lease a lease of the budget
   * @return e.g. {@code "jobs";q=10;qu="concurrent-requests"}
   */
  public static String concurrencyPolicy(String name, ConcurrencyBudget.Lease lease) {
    Quota.of(name, 1, Duration.ofSeconds(1)); // validates the name
    return quoted(name) + ";q=" + lease.limit() + ";qu=\"concurrent-requests\"";
  }

  /**
   * Returns the {@code RateLimit} item of a concurrency budget.
   *
   * @param name the policy name
   * @param lease a lease of the budget
   * @return e.g. {@code "jobs";r=3}
   */
  public static String concurrency(String name, ConcurrencyBudget.Lease lease) {
    Quota.of(name, 1, Duration.ofSeconds(1));
    return quoted(name) + ";r=" + lease.remaining();
  }

  private static String quoted(String name) {
    return "\"" + name + "\"";
  }

  private static long ceilSeconds(Duration duration) {
    long seconds = duration.getSeconds();
    return duration.getNano() > 0 ? seconds + 1 : seconds;
  }
}
