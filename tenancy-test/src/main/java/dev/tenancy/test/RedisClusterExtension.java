package dev.tenancy.test;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that resolves {@link TestRedisCluster} parameters; usually applied through
 * {@link TenancyRedisCluster}.
 *
 * <p>A test method and its {@code @BeforeEach}/{@code @AfterEach} methods receive the same key space; its keys are
 * deleted when the test finishes. A {@code @BeforeAll}/{@code @AfterAll} parameter gets a key space for the class.
 * Thread-safe.
 */
public final class RedisClusterExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RedisClusterExtension.class);

  /** Creates the extension; JUnit calls this. */
  public RedisClusterExtension() {}

  /**
   * Tells JUnit that this extension supplies {@link TestRedisCluster} parameters.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return whether the parameter is a {@link TestRedisCluster}
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestRedisCluster.class;
  }

  /**
   * Returns the key space of the current test (or class), creating it on first request.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return the key space
   */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NAMESPACE)
        .getOrComputeIfAbsent(context.getUniqueId(), id -> TestRedisCluster.create(), TestRedisCluster.class);
  }
}
