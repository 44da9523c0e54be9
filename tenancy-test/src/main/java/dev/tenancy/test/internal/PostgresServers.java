package dev.tenancy.test.internal;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.jspecify.annotations.Nullable;

/** Finds or starts the PostgreSQL server the fixtures use: one per JVM. Thread-safe. */
public final class PostgresServers {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresServers.class);
  private static final String IMAGE = "postgres:15";
  private static final String ALIAS = "tenancy-postgres";
  private static final Lazy<PostgresServer> SHARED =
      new Lazy<>(() -> resolve(System.getenv(), Docker::available, PostgresServers::startEmbedded));

  private PostgresServers() {}

  /**
   * Returns the JVM-wide server, finding or starting it on the first call.
   *
   * @return the server
   * @throws IllegalStateException when no server could be found or started; the message says how to provide one
   */
  public static PostgresServer shared() {
    return SHARED.get();
  }

  /**
   * Picks a server: the URL in the environment, else Testcontainers, else embedded PostgreSQL.
   *
   * @param env the environment variables
   * @param docker whether Docker is available
   * @param embedded starts embedded PostgreSQL
   * @return the server, checked to accept the administrator
   */
  static PostgresServer resolve(Map<String, String> env, BooleanSupplier docker, Supplier<PostgresServer> embedded) {
    String url = Env.get(env, Env.POSTGRES_URL);
    if (url != null) {
      // The user asked for this server explicitly: falling back to another one would hide their mistake.
      return fromUrl(url, Env.get(env, Env.POSTGRES_USER), Env.get(env, Env.POSTGRES_PASSWORD));
    }
    return Fallback.dockerElseLocal(LOG, IMAGE, "embedded PostgreSQL", docker, PostgresServers::startTestcontainers,
        embedded, PostgresServers::noServerMessage);
  }

  static String noServerMessage(String dockerOutcome, Exception embeddedFailure) {
    return "no PostgreSQL server for tenancy-test. Provide one of: (1) " + Env.POSTGRES_URL
        + "=jdbc:postgresql://HOST:5432/postgres?user=ADMIN&password=SECRET, the administrator being a superuser"
        + " (or " + Env.POSTGRES_USER + "/" + Env.POSTGRES_PASSWORD + " for the credentials); (2) a running Docker"
        + " engine for Testcontainers (image " + IMAGE + "); (3) embedded PostgreSQL, which needs 'unshare -U'"
        + " (util-linux, user namespaces allowed) when the JVM runs as root. Tried: " + Env.POSTGRES_URL
        + " not set; " + dockerOutcome + "; embedded PostgreSQL failed: " + embeddedFailure.getMessage();
  }

  /**
   * Uses an existing server given by a JDBC URL.
   *
   * @param url a {@code jdbc:postgresql:} URL
   * @param user administrator name when the URL has none, may be null
   * @param password administrator password when the URL has none, may be null
   * @return the server, checked to accept the administrator
   */
  public static PostgresServer fromUrl(String url, @Nullable String user, @Nullable String password) {
    Properties props = Driver.parseURL(url, null);
    if (props == null) {
      throw new IllegalArgumentException(Env.POSTGRES_URL + " must be a JDBC URL like"
          + " jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres but was '" + redact(url) + "'");
    }
    String host = props.getProperty("PGHOST");
    String port = props.getProperty("PGPORT");
    if (host.contains(",")) {
      throw new IllegalArgumentException(Env.POSTGRES_URL + " must name one host, but names '" + host + "'");
    }
    String database = props.getProperty("PGDBNAME");
    Map<String, String> extra = new HashMap<>();
    for (String key : props.stringPropertyNames()) {
      if (!key.startsWith("PG") && !key.equals("user") && !key.equals("password")) {
        extra.put(key, props.getProperty(key));
      }
    }
    String admin = props.getProperty("user", user);
    if (admin == null) {
      throw new IllegalArgumentException(Env.POSTGRES_URL + " has no user= parameter and " + Env.POSTGRES_USER
          + " is not set; name an administrator (superuser) role in one of them");
    }
    PostgresServer server = new PostgresServer(Env.POSTGRES_URL, host, Integer.parseInt(port),
        database == null || database.isEmpty() ? "postgres" : database, admin,
        props.getProperty("password", password), extra, null, null);
    check(server);
    return server;
  }

  /**
   * Starts a {@value #IMAGE} container; it is removed at JVM exit.
   *
   * @return the server
   */
  public static PostgresServer startTestcontainers() {
    @SuppressWarnings("resource") // closed by the shutdown hook
    PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse(IMAGE))
        .withNetwork(Network.SHARED)
        .withNetworkAliases(ALIAS)
        // Throwaway data: durability settings only slow down CREATE DATABASE.
        .withCommand("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200");
    container.start();
    Shutdown.register("PostgreSQL container " + container.getContainerId(), container::stop);
    PostgresServer server = new PostgresServer("Testcontainers (" + IMAGE + ")", container.getHost(),
        container.getMappedPort(5432), container.getDatabaseName(), container.getUsername(),
        container.getPassword(), Map.of(), Network.SHARED, ALIAS);
    check(server);
    return server;
  }

  /**
   * Starts embedded PostgreSQL (zonky binaries); it is stopped at JVM exit. As root it needs
   * {@code unshare -U}, which zonky uses on its own.
   *
   * @return the server
   */
  public static PostgresServer startEmbedded() {
    long start = System.nanoTime();
    EmbeddedPostgres pg;
    try {
      pg = EmbeddedPostgres.builder()
          .setCleanDataDirectory(true)
          .setPGStartupWait(Duration.ofSeconds(30))
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off")
          .start();
    } catch (Exception e) {
      throw new IllegalStateException("embedded PostgreSQL did not start: " + e.getMessage()
          + (isRoot() ? " (running as root: 'unshare -U' must work, or run the tests as a non-root user)" : ""), e);
    }
    Shutdown.register("embedded PostgreSQL on port " + pg.getPort(), pg);
    LOG.info("tenancy-test: embedded PostgreSQL started on port {} in {} ms", pg.getPort(),
        (System.nanoTime() - start) / 1_000_000);
    PostgresServer server =
        new PostgresServer("embedded PostgreSQL", "127.0.0.1", pg.getPort(), "postgres", "postgres", "", Map.of(),
            null, null);
    check(server);
    return server;
  }

  /** Fails early, with the fix, when the administrator cannot do what the fixtures need. */
  private static void check(PostgresServer server) {
    try (Connection c = server.connectAsAdmin(server.maintenanceDatabase());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT rolsuper, rolcreatedb AND rolcreaterole FROM pg_roles WHERE rolname = current_user")) {
      rs.next();
      if (!rs.getBoolean(1) && !rs.getBoolean(2)) {
        throw new IllegalStateException(server + ": role '" + server.adminUser() + "' may not create databases"
            + " and roles, which every test database needs; use a superuser (or a CREATEDB CREATEROLE role)"
            + " in " + Env.POSTGRES_URL);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot log in to " + server + ": " + e.getMessage()
          + "; check that the server runs and the credentials in " + Env.POSTGRES_URL + " are right", e);
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
