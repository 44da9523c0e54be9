/**
 * Test kit for Tenancy users and for Tenancy itself: real PostgreSQL, Redis and PgBouncer fixtures for JUnit 5
 * ({@link dev.tenancy.test.TenancyPostgres}, {@link dev.tenancy.test.TenancyRedis},
 * {@link dev.tenancy.test.TenancyPgBouncer}) and jqwik arbitraries for tenant ids and multi-tenant interleavings
 * ({@link dev.tenancy.test.TenantArbitraries}).
 *
 * <p>Servers come from environment variables, else Testcontainers, else embedded processes; a test that gets none
 * fails with a message saying how to provide one. It is never skipped.
 */
package dev.tenancy.test;
