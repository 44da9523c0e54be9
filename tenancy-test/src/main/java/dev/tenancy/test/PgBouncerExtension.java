package dev.tenancy.test;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that resolves {@link TestPgBouncer} parameters; usually applied through
 * {@link TenancyPgBouncer}. The PgBouncer is shared by the whole JVM and stopped at exit. Thread-safe.
 */
public final class PgBouncerExtension implements ParameterResolver {
  /** Creates the extension; JUnit calls this. */
  public PgBouncerExtension() {}

  /**
   * Tells JUnit that this extension supplies {@link TestPgBouncer} parameters.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return whether the parameter is a {@link TestPgBouncer}
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestPgBouncer.class;
  }

  /**
   * Returns the JVM's PgBouncer, starting it on first request.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return the PgBouncer
   */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return TestPgBouncer.shared();
  }
}
