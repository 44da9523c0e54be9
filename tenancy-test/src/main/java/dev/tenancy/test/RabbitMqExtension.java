package dev.tenancy.test;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that resolves {@link TestRabbitMq} parameters; usually applied through {@link TenancyRabbitMq}.
 * Thread-safe.
 */
public final class RabbitMqExtension implements ParameterResolver {

  /** Creates the extension; JUnit calls this. */
  public RabbitMqExtension() {}

  /**
   * Tells JUnit that this extension supplies {@link TestRabbitMq} parameters.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return whether the parameter is a {@link TestRabbitMq}
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestRabbitMq.class;
  }

  /**
   * Returns the JVM's broker.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return the broker
   */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return TestRabbitMq.shared();
  }
}
