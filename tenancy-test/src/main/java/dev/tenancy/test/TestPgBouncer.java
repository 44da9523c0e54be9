package dev.tenancy.test;

import dev.tenancy.test.internal.PgBouncerEndpoint;
import dev.tenancy.test.internal.PgBouncers;
import dev.tenancy.test.internal.PostgresServer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A PgBouncer in transaction pooling mode in front of the fixtures' PostgreSQL server, for testing code that must
 * survive a pooler: state set with {@code SET} leaks to other clients, session advisory locks and named prepared
 * statements break, consecutive transactions of one JDBC connection may run on different server connections.
 *
 * <p>With JUnit 5, declare a parameter of this type in a class annotated {@link TenancyPgBouncer} (which also
 * provides {@link TestDatabase}); elsewhere use {@link #shared()}. Every {@link TestDatabase} and every
 * {@link TestRole} is reachable through it without configuration. URLs carry {@code prepareThreshold=0}, which
 * PgBouncer 1.18–1.20 needs (it has no {@code max_prepared_statements}). One PgBouncer serves the whole JVM.
 * Immutable and thread-safe.
 */
public final class TestPgBouncer {
  private static final Map<String, String> REQUIRED = Map.of("prepareThreshold", "0");

  private final PgBouncerEndpoint endpoint;

  private TestPgBouncer(PgBouncerEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Returns the JVM's PgBouncer, finding or starting it (and the PostgreSQL server) on first use.
   *
   * @return the PgBouncer
   * @throws IllegalStateException when no PgBouncer can be found or started; the message lists the ways to
   *     provide one
   */
  public static TestPgBouncer shared() {
    return new TestPgBouncer(PgBouncers.shared());
  }

  static TestPgBouncer of(PgBouncerEndpoint endpoint) {
    return new TestPgBouncer(endpoint);
  }

  /**
   * Returns the host clients connect to.
   *
   * @return the host clients connect to
   */
  public String host() {
    return endpoint.host();
  }

  /**
   * Returns the port clients connect to.
   *
   * @return the port clients connect to
   */
  public int port() {
    return endpoint.port();
  }

  /**
   * Returns a JDBC URL that reaches a test database through PgBouncer as the administrator.
   *
   * @param db the database
   * @return the URL, carrying the credentials and {@code prepareThreshold=0}
   */
  public String jdbcUrl(TestDatabase db) {
    Objects.requireNonNull(db, "db");
    return url(db, adminUser(db), adminPassword(db));
  }

  // A PgBouncer given by URL may have its own admin credentials; otherwise PgBouncer passes the server's through.
  String adminUser(TestDatabase db) {
    return endpoint.user() != null ? endpoint.user() : db.adminUser();
  }

  String adminPassword(TestDatabase db) {
    if (endpoint.user() != null) {
      return endpoint.password() == null ? "" : endpoint.password();
    }
    return db.adminPassword();
  }

  /**
   * Returns a JDBC URL that reaches a test database through PgBouncer as a role of that database.
   *
   * @param db the database
   * @param role a role created by {@link TestDatabase#createRole(String)}
   * @return the URL, carrying the credentials and {@code prepareThreshold=0}
   */
  public String jdbcUrl(TestDatabase db, TestRole role) {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(role, "role");
    return url(db, role.name(), role.password());
  }

  /**
   * Returns a new non-pooled data source that reaches a test database through PgBouncer as the administrator.
   *
   * @param db the database
   * @return a {@code PGSimpleDataSource}; each {@code getConnection()} opens a new client connection to PgBouncer
   */
  public DataSource dataSource(TestDatabase db) {
    return PostgresServer.dataSource(jdbcUrl(db));
  }

  /**
   * Returns a new non-pooled data source that reaches a test database through PgBouncer as a role.
   *
   * @param db the database
   * @param role a role created by {@link TestDatabase#createRole(String)}
   * @return a {@code PGSimpleDataSource}; each {@code getConnection()} opens a new client connection to PgBouncer
   */
  public DataSource dataSource(TestDatabase db, TestRole role) {
    return PostgresServer.dataSource(jdbcUrl(db, role));
  }

  private String url(TestDatabase db, String user, String password) {
    Map<String, String> params = new HashMap<>(endpoint.parameters());
    params.putAll(REQUIRED);
    return PostgresServer.jdbcUrl(endpoint.host(), endpoint.port(), db.name(), user, password, params);
  }

  @Override
  public String toString() {
    return "TestPgBouncer[" + endpoint.host() + ":" + endpoint.port() + " from " + endpoint.source() + "]";
  }
}
