package dev.tenancy.ratelimit;

import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Which {@link RateLimitPlan} applies to which tenant: a plan per tier of the {@link TenantDirectory}, a default
 * plan for tiers without one, and per-tenant overrides.
 *
 * <p>Plans and overrides may be changed at any time; limiters, budgets and fair executors built on this object
 * apply the change to their next decision. A change of a tenant's tier in the directory is seen within the
 * limiter's {@code planRefresh} interval. A quota that changes keeps the fraction of its window the tenant has
 * used: a tenant that used its whole burst stays at zero and refills at the new rate, and lowering a quota never
 * hands out a fresh burst.
 *
 * <p>Thread-safe.
 */
public final class RateLimitPlans {

  private final TenantDirectory directory;
  private final Map<String, RateLimitPlan> byTier = new ConcurrentHashMap<>();
  private final Map<TenantId, RateLimitPlan> overrides = new ConcurrentHashMap<>();
  private volatile RateLimitPlan defaultPlan;
  private volatile long version;

  private RateLimitPlans(TenantDirectory directory, RateLimitPlan defaultPlan) {
    this.directory = directory;
    this.defaultPlan = defaultPlan;
  }

  /**
   * Creates the plans of a directory.
   *
   * @param directory where a tenant's tier is looked up
   * @param defaultPlan the plan of tenants whose tier has no plan
   * @return the plans, with no tier plan or override yet
   */
  public static RateLimitPlans of(TenantDirectory directory, RateLimitPlan defaultPlan) {
    return new RateLimitPlans(
        Objects.requireNonNull(directory, "directory"), Objects.requireNonNull(defaultPlan, "defaultPlan"));
  }

  /**
   * Sets the plan of a tier, replacing any earlier one.
   *
   * @param tier the tier, as in {@link TenantInfo#tier()}
   * @param plan the plan
   * @return this object
   */
  public RateLimitPlans tier(String tier, RateLimitPlan plan) {
    byTier.put(Objects.requireNonNull(tier, "tier"), Objects.requireNonNull(plan, "plan"));
    changed();
    return this;
  }

  /**
   * Gives one tenant its own plan, whatever its tier.
   *
   * @param tenant the tenant
   * @param plan the plan
   * @return this object
   */
  public RateLimitPlans override(TenantId tenant, RateLimitPlan plan) {
    overrides.put(Objects.requireNonNull(tenant, "tenant"), Objects.requireNonNull(plan, "plan"));
    changed();
    return this;
  }

  /**
   * Removes a tenant's override; the tenant's tier decides again.
   *
   * @param tenant the tenant
   * @return this object
   */
  public RateLimitPlans removeOverride(TenantId tenant) {
    overrides.remove(Objects.requireNonNull(tenant, "tenant"));
    changed();
    return this;
  }

  /**
   * Replaces the default plan.
   *
   * @param plan the plan of tenants whose tier has no plan
   * @return this object
   */
  public RateLimitPlans defaultPlan(RateLimitPlan plan) {
    defaultPlan = Objects.requireNonNull(plan, "plan");
    changed();
    return this;
  }

  /**
   * Returns the plan that applies to a tenant now: its override, else its tier's plan, else the default plan.
   *
   * @param tenant the tenant
   * @return the plan
   * @throws dev.tenancy.UnknownTenantException when the directory does not know the tenant
   * @throws dev.tenancy.TenantSuspendedException when the tenant is suspended
   */
  public RateLimitPlan planOf(TenantId tenant) {
    RateLimitPlan override = overrides.get(tenant);
    if (override != null) {
      return override;
    }
    TenantInfo info = directory.requireActive(tenant);
    RateLimitPlan plan = byTier.get(info.tier());
    return plan != null ? plan : defaultPlan;
  }

  /**
   * Returns the plan set for a tier, if any.
   *
   * @param tier the tier
   * @return the tier's plan, empty when the tier falls back to the default plan
   */
  public Optional<RateLimitPlan> planOfTier(String tier) {
    return Optional.ofNullable(byTier.get(tier));
  }

  /** Bumped by every change so that cached resolutions can be recognised as stale. */
  long version() {
    return version;
  }

  private synchronized void changed() {
    version++;
  }

  @Nullable RateLimitPlan overrideOf(TenantId tenant) {
    return overrides.get(tenant);
  }
}
