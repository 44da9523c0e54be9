package dev.tenancy;

import java.util.Objects;

/**
 * What the application knows of a tenant: whether it may be served and which plan or tier it is on. Rate limits
 * and database routing choose their settings by {@code tier}.
 *
 * @param id the tenant
 * @param status whether it may be served
 * @param tier the plan or tier name, e.g. {@code free}, {@code pro}, {@code enterprise}; 1 to 63 characters
 */
public record TenantInfo(TenantId id, TenantStatus status, String tier) {

  /**
   * Validates the components.
   *
   * @param id the tenant
   * @param status whether it may be served
   * @param tier the plan or tier name; 1 to 63 characters
   * @throws IllegalArgumentException if the tier is blank or longer than 63 characters
   */
  public TenantInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(tier, "tier");
    if (tier.isBlank() || tier.length() > 63) {
      throw new IllegalArgumentException("tier must be 1 to 63 characters and not blank, but was '"
          + TenantId.printable(tier) + "'");
    }
  }

  /**
   * Returns an active tenant on {@code tier}.
   *
   * @param id the tenant
   * @param tier the tier
   * @return the info
   */
  public static TenantInfo active(TenantId id, String tier) {
    return new TenantInfo(id, TenantStatus.ACTIVE, tier);
  }

  /**
   * Tells whether the tenant may be served.
   *
   * @return true when active
   */
  public boolean isActive() {
    return status == TenantStatus.ACTIVE;
  }
}
