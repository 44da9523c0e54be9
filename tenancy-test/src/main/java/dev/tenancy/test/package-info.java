/**
 * Test kit for Tenancy users and for Tenancy itself: real PostgreSQL, Redis and PgBouncer fixtures for JUnit 5
 * ({@link dev.tenancy.test.TenancyPostgres}, {@link dev.tenancy.test.TenancyRedis},
 * {@link dev.tenancy.test.TenancyPgBouncer}) and jqwik arbitraries for tenant ids and multi-tenant interleavings
 * ({@link dev.tenancy.test.TenantArbitraries}).
 *
 * <p>Servers come from environment variables, else Testcontainers, else embedded processes; a test that gets no
 * PostgreSQL or Redis fails with a message saying how to provide one. PgBouncer, a Redis Cluster and RabbitMQ are
 * gated ({@link dev.tenancy.test.TenancyPgBouncer}, {@link dev.tenancy.test.TenancyRedisCluster},
 * {@link dev.tenancy.test.TenancyRabbitMq}): where the kit cannot provide one, the suite is reported with the reason
 * instead of run, unless {@code TENANCY_TEST_REQUIRE} names it, in which case it fails.
 */
@NullMarked
package dev.tenancy.test;

import org.jspecify.annotations.NullMarked;
