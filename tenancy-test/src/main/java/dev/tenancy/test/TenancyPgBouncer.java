package dev.tenancy.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives JUnit 5 test and lifecycle methods {@link TestPgBouncer} and {@link TestDatabase} parameters: a PgBouncer in
 * transaction mode, and a fresh database per test that is reachable through it. See {@link PgBouncerExtension}.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith({PostgresExtension.class, PgBouncerExtension.class})
public @interface TenancyPgBouncer {}
