package dev.tenancy.test;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that resolves {@link TestRedis} parameters; usually applied through {@link TenancyRedis}.
 *
 * <p>A test method and its {@code @BeforeEach}/{@code @AfterEach} methods receive the same key space; its keys are
 * deleted when the test finishes. A {@code @BeforeAll}/{@code @AfterAll} parameter gets a key space for the class.
 * Thread-safe.
 */
public final class RedisExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

  /** Creates the extension; JUnit calls this. */
  public RedisExtension() {}

  /**
   * Tells JUnit that this extension supplies {@link TestRedis} parameters.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return whether the parameter is a {@link TestRedis}
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestRedis.class;
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
        .getOrComputeIfAbsent(context.getUniqueId(), id -> TestRedis.create(), TestRedis.class);
  }
}
