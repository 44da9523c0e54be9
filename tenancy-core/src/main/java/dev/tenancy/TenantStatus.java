package dev.tenancy;

/** Whether a tenant may be served. */
public enum TenantStatus {
  /** The tenant is served. */
  ACTIVE,
  /** The tenant exists but its requests are refused, e.g. while suspended for non-payment or abuse. */
  SUSPENDED
}
