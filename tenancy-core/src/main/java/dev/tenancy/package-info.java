/**
 * Tenant identity, the scoped tenant context and its propagation across threads, logs and traces, and request
 * tenant resolution.
 *
 * <p>Start with {@link dev.tenancy.TenantContext}. Nothing here accepts or returns {@code null} unless a method
 * says so; look-ups return {@link java.util.Optional}.
 */
@NullMarked
package dev.tenancy;

import org.jspecify.annotations.NullMarked;
