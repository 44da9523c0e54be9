package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, uniquely named database on the server named by {@code TENANCY_TEST_POSTGRES_URL}, plus an ordinary
 * application role (LOGIN NOSUPERUSER NOBYPASSRLS, owner of nothing). {@link #close()} drops the database
 * {@code WITH (FORCE)} and every role it created. Kept small on purpose so the shared test kit can replace it.
 */
final class PgTestDatabase implements AutoCloseable {

  static final String URL_VARIABLE = "TENANCY_TEST_POSTGRES_URL";

  private final String url;
  private final String name;
  private final String appRole;
  private final List<String> roles = new ArrayList<>();

  private PgTestDatabase(String url, String name) throws SQLException {
    this.url = url;
    this.name = name;
    try (Connection connection = server().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    this.appRole = createRole("LOGIN NOSUPERUSER NOBYPASSRLS");
  }

  /**
   * Creates the database; fails (never skips) when the server URL is missing, because these tests are the only
   * proof that isolation holds on a real server.
   */
  static PgTestDatabase create() throws SQLException {
    String url = System.getenv(URL_VARIABLE);
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(URL_VARIABLE + " is not set; point it at a PostgreSQL 15+ server with a"
          + " superuser, e.g. export " + URL_VARIABLE + "='jdbc:postgresql://127.0.0.1:5432/test?user=postgres'");
    }
    return new PgTestDatabase(url, "tenancy_it_" + unique());
  }

  /** Creates a role with the given attributes and a random password, dropped on {@link #close()}. */
  String createRole(String attributes) throws SQLException {
    String role = "tenancy_it_" + unique();
    try (Connection connection = server().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE ROLE " + role + " " + attributes + " PASSWORD '" + password(role) + "'");
    }
    roles.add(role);
    return role;
  }

  String name() {
    return name;
  }

  String appRole() {
    return appRole;
  }

  /** Superuser connections to this database. */
  DataSource admin() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(url);
    dataSource.setDatabaseName(name);
    return dataSource;
  }

  /** Connections to this database as the application role. */
  DataSource app() {
    return as(appRole);
  }

  /** Connections to this database as {@code role}, which must come from {@link #createRole(String)}. */
  DataSource as(String role) {
    PGSimpleDataSource dataSource = (PGSimpleDataSource) admin();
    dataSource.setUser(role);
    dataSource.setPassword(password(role));
    return dataSource;
  }

  /** Runs statements as the superuser, each in autocommit. */
  void exec(String... sql) throws SQLException {
    try (Connection connection = admin().getConnection(); Statement statement = connection.createStatement()) {
      for (String each : sql) {
        statement.execute(each);
      }
    }
  }

  @Override
  public void close() throws SQLException {
    try (Connection connection = server().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      for (String role : roles) {
        statement.execute("DROP ROLE IF EXISTS " + role);
      }
    }
  }

  private DataSource server() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(url);
    return dataSource;
  }

  private static String password(String role) {
    return "pw_" + role;
  }

  private static String unique() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
  }
}
