package dev.tenancy.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The servers a benchmark needs, from the same environment variables as the test kit; fails clearly without. */
final class BenchmarkServers {

  private BenchmarkServers() {}

  static String postgresUrl() {
    return required("TENANCY_TEST_POSTGRES_URL",
        "a JDBC URL of a PostgreSQL role that may create databases and roles, "
            + "e.g. jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
  }

  static String pgbouncerUrl() {
    return required("TENANCY_TEST_PGBOUNCER_URL",
        "a JDBC URL of a PgBouncer in transaction mode in front of TENANCY_TEST_POSTGRES_URL's server, with a "
            + "wildcard [databases] entry, e.g. jdbc:postgresql://127.0.0.1:6432/postgres?user=postgres");
  }

  static String redisUrl() {
    return required("TENANCY_TEST_REDIS_URL", "a Redis URL, e.g. redis://127.0.0.1:6379");
  }

  private static String required(String name, String what) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("this benchmark needs " + name + ": " + what);
    }
    return value;
  }

  /** Replaces the database of a JDBC URL {@code jdbc:postgresql://host:port/db?params}. */
  static String withDatabase(String url, String database) {
    int slash = url.indexOf('/', "jdbc:postgresql://".length());
    int query = url.indexOf('?', slash);
    return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
  }

  /** Replaces the user of a JDBC URL (trust authentication on the benchmark machine). */
  static String withUser(String url, String user) {
    String withoutUser = url.replaceAll("([?&])(user|password)=[^&]*&?", "$1").replaceAll("[?&]$", "");
    return withoutUser + (withoutUser.contains("?") ? "&" : "?") + "user=" + user;
  }

  /**
   * True when {@code database} exists and was set up with {@code layout} (recorded by {@link #recordLayout}), so
   * that a benchmark run in many forks sets up its data once.
   */
  static boolean hasLayout(String adminUrl, String database, String layout) {
    try (Connection connection = DriverManager.getConnection(withDatabase(adminUrl, database));
         Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SELECT layout FROM benchmark_layout")) {
      return rs.next() && rs.getString(1).equals(layout);
    } catch (SQLException e) {
      return false; // no such database or table yet
    }
  }

  static void recordLayout(Statement statement, String layout) throws SQLException {
    statement.execute("CREATE TABLE benchmark_layout (layout text NOT NULL)");
    statement.execute("INSERT INTO benchmark_layout VALUES ('" + layout.replace("'", "''") + "')");
  }

  static void recreateDatabase(String adminUrl, String database) throws SQLException {
    try (Connection connection = DriverManager.getConnection(withDatabase(adminUrl, "postgres"));
         Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + database);
    }
  }
}
