package dev.tenancy.test;

import dev.tenancy.test.internal.ServerGate;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives JUnit 5 test and lifecycle methods a {@link TestRabbitMq} parameter: the JVM's RabbitMQ broker and unique
 * names for queues and exchanges. See {@link RabbitMqExtension}.
 *
 * <p>RabbitMQ is a gated server: where none answers ({@code TENANCY_TEST_RABBITMQ_URL} unset and nothing at
 * {@code 127.0.0.1:5672}), the annotated class does not run and is reported with the reason, or fails when
 * {@code TENANCY_TEST_REQUIRE} names {@code rabbitmq} (or {@code all}). Works on JUnit 5 and jqwik classes.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith({ServerGate.class, RabbitMqExtension.class})
@AddLifecycleHook(ServerGate.class)
public @interface TenancyRabbitMq {}
