package dev.tenancy.test;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that resolves {@link TestDatabase} parameters; usually applied through {@link TenancyPostgres}.
 *
 * <p>A test method, its {@code @BeforeEach} and its {@code @AfterEach} methods all receive the same database,
 * created on first request and dropped when the test finishes (after {@code @AfterEach}). A {@code @BeforeAll} or
 * {@code @AfterAll} parameter gets a database for the whole class instead, distinct from each test's own. The
 * database is held in the JUnit store of the requesting context, which closes it. Thread-safe, so tests may run in
 * parallel.
 */
public final class PostgresExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

  /** Creates the extension; JUnit calls this. */
  public PostgresExtension() {}

  /**
   * Tells JUnit that this extension supplies {@link TestDatabase} parameters.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return whether the parameter is a {@link TestDatabase}
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestDatabase.class;
  }

  /**
   * Returns the database of the current test (or class), creating it on first request.
   *
   * @param parameter the parameter
   * @param context the extension context
   * @return the database
   */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // Keyed by the context's unique id: JUnit stores are visible from child contexts, and a class-level database
    // must not be handed to the tests, which each get their own.
    return databaseFor(context);
  }

  static TestDatabase databaseFor(ExtensionContext context) {
    return context.getStore(NAMESPACE)
        .getOrComputeIfAbsent(context.getUniqueId(), id -> TestDatabase.create(), TestDatabase.class);
  }
}
