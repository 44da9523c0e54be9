package dev.tenancy.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import dev.tenancy.test.internal.ServerGate;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives JUnit 5 test and lifecycle methods {@link TestPgBouncer} and {@link TestDatabase} parameters: a PgBouncer in
 * transaction mode, and a fresh database per test that is reachable through it. See {@link PgBouncerExtension}.
 *
 * <p>PgBouncer is a gated server: where the kit can provide none (no {@code TENANCY_TEST_PGBOUNCER_URL}, no Docker,
 * no {@code pgbouncer} binary), the annotated class does not run and is reported with the reason, or fails when
 * {@code TENANCY_TEST_REQUIRE} names {@code pgbouncer} (or {@code all}). Works on JUnit 5 and jqwik classes.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith({ServerGate.class, PostgresExtension.class, PgBouncerExtension.class})
@AddLifecycleHook(ServerGate.class)
public @interface TenancyPgBouncer {}
