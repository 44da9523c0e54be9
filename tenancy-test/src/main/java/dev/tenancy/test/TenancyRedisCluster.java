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
 * Gives JUnit 5 test and lifecycle methods a {@link TestRedisCluster} parameter: a unique key prefix per test on
 * the JVM's Redis Cluster, whose keys are deleted after it. See {@link RedisClusterExtension}.
 *
 * <p>A Redis Cluster is a gated server: where the kit can provide none (no {@code TENANCY_TEST_REDIS_CLUSTER_URL},
 * no {@code redis-server} it can run), the annotated class does not run and is reported with the reason, or fails
 * when {@code TENANCY_TEST_REQUIRE} names {@code redis-cluster} (or {@code all}). Works on JUnit 5 and jqwik classes.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith({ServerGate.class, RedisClusterExtension.class})
@AddLifecycleHook(ServerGate.class)
public @interface TenancyRedisCluster {}
