package dev.tenancy.test.internal;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A PgBouncer the fixtures use. Immutable and thread-safe.
 *
 * @param source where it came from, for messages
 * @param host host clients connect to
 * @param port port clients connect to
 * @param user administrator to log in as instead of the PostgreSQL administrator, or null to use that one
 * @param password that administrator's password, or null
 * @param parameters further JDBC URL parameters from {@code TENANCY_TEST_PGBOUNCER_URL}
 */
public record PgBouncerEndpoint(
    String source, String host, int port, @Nullable String user, @Nullable String password,
    Map<String, String> parameters) {
  /**
   * Validates and copies the components.
   *
   * @throws NullPointerException when source, host or parameters is null
   */
  public PgBouncerEndpoint {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(host, "host");
    parameters = Map.copyOf(parameters);
  }
}
