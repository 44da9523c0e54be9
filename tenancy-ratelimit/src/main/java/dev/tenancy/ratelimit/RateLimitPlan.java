package dev.tenancy.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The limits of one plan (tier), e.g. {@code free}, {@code pro} or {@code enterprise}: a rate per tenant, an optional
 * rate per subject (user, API key or endpoint) within the tenant, a concurrency budget, and a weight for fair
 * scheduling.
 *
 * @param name the plan name, 1 to 63 characters
 * @param tenantQuota the rate all of a tenant's requests share
 * @param subjectQuota the rate of each subject of a tenant, or null for none
 * @param concurrency the most operations a tenant may have in flight at once, at least 1
 * @param weight the tenant's share of a {@link FairExecutor} relative to other plans, 1 to 1000
 */
public record RateLimitPlan(
    String name, Quota tenantQuota, @Nullable Quota subjectQuota, int concurrency, int weight) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

  /**
   * Validates the plan.
   *
   * @param name the plan name
   * @param tenantQuota the rate of the whole tenant
   * @param subjectQuota the rate of each subject, or null
   * @param concurrency the most operations in flight per tenant
   * @param weight the fair-scheduling weight
   * @throws IllegalArgumentException when a field is out of range; the message says which
   */
  public RateLimitPlan {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tenantQuota, "tenantQuota");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("plan name must match " + NAME.pattern() + " but was '" + name + "'");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("plan concurrency must be at least 1 but was " + concurrency);
    }
    if (weight < 1 || weight > 1000) {
      throw new IllegalArgumentException("plan weight must be 1 to 1000 but was " + weight);
    }
  }

  /**
   * Starts a plan with a tenant rate; the other settings default to no subject rate, a concurrency of
   * {@link Integer#MAX_VALUE} and a weight of 1.
   *
   * @param name the plan name; also the policy name of the tenant quota
   * @param limit permits per window for the whole tenant
   * @param window the window
   * @return the plan
   */
  public static RateLimitPlan of(String name, long limit, Duration window) {
    return new RateLimitPlan(name, Quota.of(name, limit, window), null, Integer.MAX_VALUE, 1);
  }

  /**
   * Returns a copy with a rate per subject (user, API key or endpoint); its policy is called
   * {@code <plan>-subject}.
   *
   * @param limit permits per window for each subject
   * @param window the window
   * @return the new plan
   */
  public RateLimitPlan withSubjectQuota(long limit, Duration window) {
    return new RateLimitPlan(name, tenantQuota, Quota.of(name + "-subject", limit, window), concurrency, weight);
  }

  /**
   * Returns a copy with a concurrency budget.
   *
   * @param maxInFlight the most operations a tenant of this plan may have in flight
   * @return the new plan
   */
  public RateLimitPlan withConcurrency(int maxInFlight) {
    return new RateLimitPlan(name, tenantQuota, subjectQuota, maxInFlight, weight);
  }

  /**
   * Returns a copy with a fair-scheduling weight.
   *
   * @param weight the weight, 1 to 1000; a tenant of weight 4 is served four tasks per round for one of weight 1
   * @return the new plan
   */
  public RateLimitPlan withWeight(int weight) {
    return new RateLimitPlan(name, tenantQuota, subjectQuota, concurrency, weight);
  }
}
