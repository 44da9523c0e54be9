/**
 * Tenant isolation enforced by PostgreSQL row-level security: the binding.
 *
 * <p>{@link dev.tenancy.jdbc.TenantPolicy} generates the policy SQL for migrations;
 * {@link dev.tenancy.jdbc.TenantDataSource} binds every transaction to the current tenant;
 * {@link dev.tenancy.jdbc.ConnectionSettings} holds the pgjdbc settings for a direct connection or a transaction
 * pooler. The verifier that checks a live database is in {@code dev.tenancy.jdbc.verify}, the Hibernate glue in
 * {@code dev.tenancy.jdbc.hibernate}.
 */
@NullMarked
package dev.tenancy.jdbc;

import org.jspecify.annotations.NullMarked;
