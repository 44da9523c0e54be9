package dev.tenancy.test.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The environment variables the fixtures read. */
public final class Env {
  /** JDBC URL of a PostgreSQL server and an administrator (superuser) on it. */
  public static final String POSTGRES_URL = "TENANCY_TEST_POSTGRES_URL";
  /** Administrator name when the URL has no {@code user=} parameter. */
  public static final String POSTGRES_USER = "TENANCY_TEST_POSTGRES_USER";
  /** Administrator password when the URL has no {@code password=} parameter. */
  public static final String POSTGRES_PASSWORD = "TENANCY_TEST_POSTGRES_PASSWORD";
  /** Redis URI, e.g. {@code redis://127.0.0.1:6379}. */
  public static final String REDIS_URL = "TENANCY_TEST_REDIS_URL";
  /** JDBC URL of a PgBouncer in transaction mode with a {@code *} wildcard database. */
  public static final String PGBOUNCER_URL = "TENANCY_TEST_PGBOUNCER_URL";
  /** Comma list of {@code redis://host:port} seeds of a Redis Cluster. */
  public static final String REDIS_CLUSTER_URL = "TENANCY_TEST_REDIS_CLUSTER_URL";
  /** AMQP URI of a RabbitMQ broker, e.g. {@code amqp://guest:guest@127.0.0.1:5672}. */
  public static final String RABBITMQ_URL = "TENANCY_TEST_RABBITMQ_URL";
  /** Comma list of servers whose suites must run ({@code pgbouncer}, {@code redis-cluster}, {@code rabbitmq}, {@code all}). */
  public static final String REQUIRE = "TENANCY_TEST_REQUIRE";

  private Env() {}

  /**
   * Returns a variable, treating blank as unset.
   *
   * @param env the environment
   * @param name the variable
   * @return the trimmed value, or null
   */
  public static @Nullable String get(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }
}
