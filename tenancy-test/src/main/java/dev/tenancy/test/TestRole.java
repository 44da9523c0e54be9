package dev.tenancy.test;

import dev.tenancy.test.internal.PostgresServer;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A login role created for one test by {@link TestDatabase#createRole(String)}: LOGIN NOSUPERUSER NOBYPASSRLS
 * NOCREATEDB NOCREATEROLE, allowed to connect to its database and to use schema {@code public}. Row-level
 * security applies to it, so it is the role to run isolation tests as. Immutable and thread-safe.
 *
 * @param name the role name, unique on the server
 * @param password its password
 * @param jdbcUrl a JDBC URL that logs in as this role to its database directly (not through PgBouncer)
 */
public record TestRole(String name, String password, String jdbcUrl) {
  /**
   * Validates the components.
   *
   * @param name the role name
   * @param password its password
   * @param jdbcUrl a JDBC URL that logs in as this role to its database directly
   * @throws NullPointerException when a component is null
   */
  public TestRole {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
  }

  /**
   * Returns a new non-pooled data source that logs in as this role to its database.
   *
   * @return a {@code PGSimpleDataSource}; each {@code getConnection()} opens a new connection
   */
  public DataSource dataSource() {
    return PostgresServer.dataSource(jdbcUrl);
  }

  /** Hides the password, which would otherwise end up in test reports. */
  @Override
  public String toString() {
    return "TestRole[name=" + name + "]";
  }
}
