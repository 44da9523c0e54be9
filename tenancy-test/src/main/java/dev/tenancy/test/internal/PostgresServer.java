package dev.tenancy.test.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.containers.Network;
import org.jspecify.annotations.Nullable;

/**
 * Where a PostgreSQL server is and how to log in to it as an administrator. Immutable and thread-safe.
 *
 * <p>{@code network} and {@code networkAlias} are set only for a Testcontainers server, so that a PgBouncer
 * container can reach it by name.
 */
public final class PostgresServer {
  private final String source;
  private final String host;
  private final int port;
  private final String maintenanceDatabase;
  private final String adminUser;
  private final String adminPassword;
  private final Map<String, String> extraParameters;
  private final @Nullable Network network;
  private final @Nullable String networkAlias;

  PostgresServer(
      String source,
      String host,
      int port,
      String maintenanceDatabase,
      String adminUser,
      @Nullable String adminPassword,
      Map<String, String> extraParameters,
      @Nullable Network network,
      @Nullable String networkAlias) {
    this.source = Objects.requireNonNull(source, "source");
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    this.maintenanceDatabase = Objects.requireNonNull(maintenanceDatabase, "maintenanceDatabase");
    this.adminUser = Objects.requireNonNull(adminUser, "adminUser");
    this.adminPassword = adminPassword == null ? "" : adminPassword;
    this.extraParameters = Map.copyOf(extraParameters);
    this.network = network;
    this.networkAlias = networkAlias;
  }

  /**
   * Returns where this server came from, for messages, e.g. "TENANCY_TEST_POSTGRES_URL".
   *
   * @return where this server came from, for messages, e.g. "TENANCY_TEST_POSTGRES_URL"
   */
  public String source() {
    return source;
  }

  /**
   * Returns the host name or address clients connect to.
   *
   * @return the host name or address clients connect to
   */
  public String host() {
    return host;
  }

  /**
   * Returns the port clients connect to.
   *
   * @return the port clients connect to
   */
  public int port() {
    return port;
  }

  /**
   * Returns the database the administrator connects to for CREATE/DROP DATABASE.
   *
   * @return the database the administrator connects to for CREATE/DROP DATABASE
   */
  public String maintenanceDatabase() {
    return maintenanceDatabase;
  }

  /**
   * Returns the administrator role: a superuser, or at least CREATEDB and CREATEROLE.
   *
   * @return the administrator role: a superuser, or at least CREATEDB and CREATEROLE
   */
  public String adminUser() {
    return adminUser;
  }

  /**
   * Returns the administrator's password, empty when the server does not ask for one.
   *
   * @return the administrator's password, empty when the server does not ask for one
   */
  public String adminPassword() {
    return adminPassword;
  }

  /**
   * Returns the Docker network of a Testcontainers server, or null.
   *
   * @return the Docker network of a Testcontainers server, or null
   */
  public @Nullable Network network() {
    return network;
  }

  /**
   * Returns the alias of a Testcontainers server on {@link #network()}, or null.
   *
   * @return the alias of a Testcontainers server on {@link #network()}, or null
   */
  public @Nullable String networkAlias() {
    return networkAlias;
  }

  /**
   * Builds a self-contained JDBC URL: credentials travel as URL parameters so the URL alone is enough for
   * {@code DriverManager.getConnection(url)}.
   *
   * @param database the database name
   * @param user the role to log in as
   * @param password its password, empty for none
   * @return the URL
   */
  public String jdbcUrl(String database, String user, String password) {
    return jdbcUrl(host, port, database, user, password, extraParameters);
  }

  /**
   * Builds a JDBC URL for any PostgreSQL-protocol endpoint (also used for PgBouncer).
   *
   * @param host host name or address
   * @param port port
   * @param database database name
   * @param user role name
   * @param password password, empty for none
   * @param parameters further URL parameters, in order of their names
   * @return the URL
   */
  public static String jdbcUrl(
      String host, int port, String database, String user, String password, Map<String, String> parameters) {
    Map<String, String> all = new TreeMap<>(parameters);
    all.put("user", user);
    if (password != null && !password.isEmpty()) {
      all.put("password", password);
    } else {
      all.remove("password");
    }
    StringBuilder url = new StringBuilder("jdbc:postgresql://")
        .append(host).append(':').append(port).append('/').append(encode(database));
    char separator = '?';
    for (Map.Entry<String, String> e : all.entrySet()) {
      url.append(separator).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      separator = '&';
    }
    return url.toString();
  }

  /**
   * Returns a non-pooled data source for a URL from {@link #jdbcUrl(String, String, String)}.
   *
   * @param jdbcUrl the URL, carrying the credentials
   * @return a new data source
   */
  public static PGSimpleDataSource dataSource(String jdbcUrl) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(jdbcUrl);
    return ds;
  }

  /**
   * Opens an administrator connection to a database of this server.
   *
   * @param database the database
   * @return an open connection in auto-commit mode
   * @throws SQLException when the server refuses it
   */
  public Connection connectAsAdmin(String database) throws SQLException {
    return dataSource(jdbcUrl(database, adminUser, adminPassword)).getConnection();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "PostgreSQL from " + source + " at " + host + ":" + port + " (admin " + adminUser + ")";
  }
}
