/**
 * Hibernate ORM glue for {@link dev.tenancy.jdbc.TenantDataSource}: the settings that give Hibernate's
 * discriminator-based multi-tenancy ({@code @TenantId}) the tenant of the current scope. The only classes of
 * tenancy-jdbc that need {@code hibernate-core} on the class path.
 */
@NullMarked
package dev.tenancy.jdbc.hibernate;

import org.jspecify.annotations.NullMarked;
