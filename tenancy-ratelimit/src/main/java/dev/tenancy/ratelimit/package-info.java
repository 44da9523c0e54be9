/**
 * Noisy-neighbour protection: per-tenant rate limits ({@link dev.tenancy.ratelimit.TenantRateLimiter}),
 * per-tenant concurrency budgets ({@link dev.tenancy.ratelimit.ConcurrencyBudget}), weighted fair scheduling of
 * background work across tenants ({@link dev.tenancy.ratelimit.FairExecutor}) and the IETF {@code RateLimit} /
 * {@code RateLimit-Policy} fields ({@link dev.tenancy.ratelimit.RateLimitHeaders}).
 *
 * <p>Limits come from {@link dev.tenancy.ratelimit.RateLimitPlans}: a plan per tier of the
 * {@link dev.tenancy.TenantDirectory}, per-tenant overrides, both changeable at runtime.
 */
@NullMarked
package dev.tenancy.ratelimit;

import org.jspecify.annotations.NullMarked;
