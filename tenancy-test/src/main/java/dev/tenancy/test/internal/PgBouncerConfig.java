package dev.tenancy.test.internal;

import java.util.Map;
import java.util.TreeMap;

/** Generates the configuration of a PgBouncer that the kit starts itself. */
public final class PgBouncerConfig {
  private PgBouncerConfig() {}

  /**
   * Returns a {@code pgbouncer.ini} for transaction pooling in front of one server, with a wildcard database so
   * that every test database works without configuration.
   *
   * @param serverHost PostgreSQL host as PgBouncer sees it
   * @param serverPort PostgreSQL port as PgBouncer sees it
   * @param listenAddress address to listen on
   * @param listenPort port to listen on
   * @param authFile path of the auth file as PgBouncer sees it
   * @param logFile path of the log file, or empty to log to stderr
   * @param admin the PostgreSQL administrator: auth_user and admin console user
   * @return the file content
   */
  public static String ini(String serverHost, int serverPort, String listenAddress, int listenPort, String authFile,
      String logFile, String admin) {
    return String.join("\n",
        "[databases]",
        "* = host=" + serverHost + " port=" + serverPort,
        "",
        "[pgbouncer]",
        "listen_addr = " + listenAddress,
        "listen_port = " + listenPort,
        // No Unix socket: parallel JVMs would fight over /tmp/.s.PGSQL.<port>, and tests use TCP anyway.
        "unix_socket_dir =",
        "pool_mode = transaction",
        // Small pools make transaction pooling visible: two clients soon share and swap server connections.
        "default_pool_size = 4",
        "max_client_conn = 200",
        // trust: the fixtures create roles on the fly and hand out their passwords anyway. Known roles are in the
        // auth file with plaintext passwords, which PgBouncer can use to log in to a server that asks for SCRAM;
        // any other role is looked up through auth_query, which works when the server trusts PgBouncer.
        "auth_type = trust",
        "auth_file = " + authFile,
        "auth_user = " + admin,
        "auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1",
        "admin_users = " + admin,
        "stats_users = " + admin,
        // pgjdbc sends extra_float_digits at startup; PgBouncer 1.18 would otherwise refuse the connection.
        "ignore_startup_parameters = extra_float_digits,options",
        // Test databases are dropped after each test; idle server connections to them should not linger.
        "server_idle_timeout = 10",
        "autodb_idle_timeout = 60",
        logFile.isEmpty() ? "" : "logfile = " + logFile,
        "");
  }

  /**
   * Returns an auth file with plaintext passwords: the administrator first, then the roles in name order.
   *
   * @param admin administrator name
   * @param adminPassword its password, empty for none
   * @param roles other roles and their passwords
   * @return the file content
   */
  public static String authFile(String admin, String adminPassword, Map<String, String> roles) {
    StringBuilder sb = new StringBuilder(line(admin, adminPassword));
    new TreeMap<>(roles).forEach((name, password) -> sb.append(line(name, password)));
    return sb.toString();
  }

  private static String line(String name, String password) {
    // The auth file format doubles a '"' inside a quoted value.
    return '"' + name.replace("\"", "\"\"") + "\" \"" + password.replace("\"", "\"\"") + "\"\n";
  }
}
