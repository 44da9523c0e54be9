package dev.tenancy.test;

import dev.tenancy.test.internal.KnownRoles;
import dev.tenancy.test.internal.Names;
import dev.tenancy.test.internal.PostgresServer;
import dev.tenancy.test.internal.PostgresServers;
import dev.tenancy.test.internal.Shutdown;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A fresh, empty PostgreSQL database for one test, dropped (with its roles) when closed.
 *
 * <p>With JUnit 5, declare a parameter of this type in a test or lifecycle method of a class annotated
 * {@link TenancyPostgres}; the extension creates the database before and drops it after each test. Elsewhere (for
 * example in jqwik properties) use {@link #create()} in try-with-resources:
 * <pre>{@code
 * try (TestDatabase db = TestDatabase.create()) {
 *   db.execute("CREATE TABLE invoices (tenant_id text NOT NULL, amount int)");
 *   TestRole app = db.createRole("app");
 *   try (Connection c = app.dataSource().getConnection()) { ... }
 * }
 * }</pre>
 *
 * <p>All databases of a JVM live on one server, found or started on first use (see the module README for the
 * order: {@code TENANCY_TEST_POSTGRES_URL}, Testcontainers, embedded PostgreSQL). Databases still open at JVM exit
 * are dropped then. Thread-safe.
 */
public final class TestDatabase implements AutoCloseable {
  private static final Pattern ROLE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,39}");
  private static final Set<TestDatabase> OPEN = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean SWEEP_REGISTERED = new AtomicBoolean();

  private final PostgresServer server;
  private final String name;
  private final List<TestRole> roles = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestDatabase(PostgresServer server, String name) {
    this.server = server;
    this.name = name;
  }

  /**
   * Creates a new database on the JVM's shared server, starting that server on first use.
   *
   * @return the database; close it to drop it
   * @throws IllegalStateException when no PostgreSQL server can be found or started; the message lists the ways
   *     to provide one
   * @throws TestKitException when {@code CREATE DATABASE} fails
   */
  public static TestDatabase create() {
    return create(PostgresServers.shared());
  }

  static TestDatabase create(PostgresServer server) {
    if (SWEEP_REGISTERED.compareAndSet(false, true)) {
      // Registered after the server, so it runs before the server stops.
      Shutdown.register("test databases left open", TestDatabase::closeAllOpen);
    }
    TestDatabase db = new TestDatabase(server, "tenancy_" + Names.hex(16));
    db.adminExecute(server.maintenanceDatabase(), "CREATE DATABASE " + db.name);
    OPEN.add(db);
    return db;
  }

  /**
   * Returns the database name, unique on the server, e.g. {@code tenancy_3f9c0a1b2d4e5f60}.
   *
   * @return the database name, unique on the server, e.g. {@code tenancy_3f9c0a1b2d4e5f60}
   */
  public String name() {
    return name;
  }

  /**
   * Returns a JDBC URL that logs in to this database as the administrator; it carries the credentials.
   *
   * @return a JDBC URL that logs in to this database as the administrator; it carries the credentials
   */
  public String jdbcUrl() {
    return server.jdbcUrl(name, server.adminUser(), server.adminPassword());
  }

  /**
   * Returns the administrator role, a superuser (it bypasses row-level security: use {@link #createRole}).
   *
   * @return the administrator role, a superuser (it bypasses row-level security: use {@link #createRole})
   */
  public String adminUser() {
    return server.adminUser();
  }

  /**
   * Returns the administrator's password, empty when the server does not ask for one.
   *
   * @return the administrator's password, empty when the server does not ask for one
   */
  public String adminPassword() {
    return server.adminPassword();
  }

  /**
   * Returns a new non-pooled data source that logs in to this database as the administrator.
   *
   * @return a {@code PGSimpleDataSource}; each {@code getConnection()} opens a new connection
   */
  public DataSource adminDataSource() {
    return PostgresServer.dataSource(jdbcUrl());
  }

  /**
   * Runs statements as the administrator in this database, one after another, each in its own transaction.
   *
   * @param sql the statements; one statement per string
   * @throws TestKitException naming the statement that failed; earlier statements stay applied
   */
  public void execute(String... sql) {
    adminExecute(name, sql);
  }

  /**
   * Creates a login role for this test: LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE with a random
   * password, CONNECT on this database and USAGE on schema {@code public}. Grant it table privileges with
   * {@link #execute}. The role is dropped when this database is closed.
   *
   * @param namePrefix start of the role name: a lowercase letter, then up to 39 of {@code [a-z0-9_]}; a random
   *     suffix makes the name unique on the server
   * @return the role
   * @throws IllegalArgumentException when {@code namePrefix} is malformed
   * @throws TestKitException when the role cannot be created
   */
  public TestRole createRole(String namePrefix) {
    Objects.requireNonNull(namePrefix, "namePrefix");
    if (!ROLE_PREFIX.matcher(namePrefix).matches()) {
      throw new IllegalArgumentException(
          "namePrefix must match " + ROLE_PREFIX.pattern() + " but was '" + namePrefix + "'");
    }
    ensureOpen();
    String role = namePrefix + "_" + Names.hex(12);
    String password = Names.password();
    // Names and password come from closed alphabets ([a-z0-9_], base64url), so plain concatenation is safe.
    adminExecute(server.maintenanceDatabase(),
        "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'");
    TestRole created = new TestRole(role, password, server.jdbcUrl(name, role, password));
    roles.add(created);
    adminExecute(name, "GRANT CONNECT ON DATABASE " + name + " TO " + role, "GRANT USAGE ON SCHEMA public TO " + role);
    KnownRoles.add(server, role, password);
    return created;
  }

  /**
   * Returns a JDBC URL that logs in to this database as a role (same as {@link TestRole#jdbcUrl()}).
   *
   * @param role a role created by this database
   * @return the URL, carrying the credentials
   */
  public String jdbcUrl(TestRole role) {
    Objects.requireNonNull(role, "role");
    return server.jdbcUrl(name, role.name(), role.password());
  }

  /**
   * Returns the server this database lives on; for the PgBouncer fixture.
   *
   * @return the server this database lives on; for the PgBouncer fixture
   */
  PostgresServer server() {
    return server;
  }

  /**
   * Drops the roles created by this database and the database itself; later calls do nothing.
   *
   * <p>Open connections are terminated ({@code DROP DATABASE ... WITH (FORCE)}), so a test that leaks a connection
   * does not leak its database.
   *
   * @throws TestKitException when something could not be dropped; the message names it
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    OPEN.remove(this);
    List<RuntimeException> failures = new ArrayList<>();
    if (!roles.isEmpty()) {
      String list = String.join(", ", roles.stream().map(TestRole::name).toList());
      // Terminate the roles' sessions first: one left idle in a transaction would make DROP OWNED wait for its locks.
      run(failures, () -> adminExecute(name,
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN ("
              + String.join(", ", roles.stream().map(r -> "'" + r.name() + "'").toList()) + ")",
          "DROP OWNED BY " + list));
    }
    run(failures, () -> adminExecute(server.maintenanceDatabase(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
    for (TestRole r : roles) {
      run(failures, () -> adminExecute(server.maintenanceDatabase(), "DROP ROLE IF EXISTS " + r.name()));
      KnownRoles.remove(server, r.name());
    }
    if (!failures.isEmpty()) {
      TestKitException e = new TestKitException("cleanup of test database " + name + " failed: "
          + failures.get(0).getMessage() + "; drop it by hand if it is still there", failures.get(0));
      failures.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }

  private static void run(List<RuntimeException> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("test database " + name + " is closed; use it only inside its test");
    }
  }

  private void adminExecute(String database, String... sql) {
    try (Connection c = server.connectAsAdmin(database); Statement s = c.createStatement()) {
      for (String statement : sql) {
        try {
          s.execute(statement);
        } catch (SQLException e) {
          throw new TestKitException("statement failed in database " + database + ": " + statement + ": "
              + e.getMessage(), e);
        }
      }
    } catch (SQLException e) {
      throw new TestKitException("cannot connect to database " + database + " on " + server + ": "
          + e.getMessage(), e);
    }
  }

  private static void closeAllOpen() {
    for (TestDatabase db : OPEN) {
      db.close();
    }
  }

  @Override
  public String toString() {
    return "TestDatabase[" + name + " on " + server + "]";
  }
}
