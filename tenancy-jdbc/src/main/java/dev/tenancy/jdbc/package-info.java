/**
 * Tenant isolation enforced by PostgreSQL row-level security.
 *
 * <p>{@link dev.tenancy.jdbc.TenantPolicy} generates the policy SQL for migrations;
 * {@link dev.tenancy.jdbc.IsolationVerifier} checks a live database, as the application role sees it, and refuses
 * to let an application start when tenants could see or write each other's rows.
 */
@NullMarked
package dev.tenancy.jdbc;

import org.jspecify.annotations.NullMarked;
