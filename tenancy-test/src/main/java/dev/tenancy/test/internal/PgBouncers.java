package dev.tenancy.test.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.jspecify.annotations.Nullable;

/**
 * Finds or starts the PgBouncer the fixtures use: one per JVM, in transaction pooling mode, in front of the
 * fixtures' PostgreSQL server. Thread-safe.
 */
public final class PgBouncers {
  private static final Logger LOG = LoggerFactory.getLogger(PgBouncers.class);
  private static final String IMAGE = "edoburu/pgbouncer:latest";
  private static final Duration STARTUP = Duration.ofSeconds(15);
  private static final Lazy<PgBouncerEndpoint> SHARED = new Lazy<>(
      () -> resolve(System.getenv(), Docker::available, PostgresServers.shared(), PgBouncers::startBinary));

  private PgBouncers() {}

  /**
   * Returns the JVM-wide PgBouncer, finding or starting it (and the PostgreSQL server) on the first call.
   *
   * @return the PgBouncer
   * @throws IllegalStateException when none could be found or started; the message says how to provide one
   */
  public static PgBouncerEndpoint shared() {
    return SHARED.get();
  }

  /**
   * Tells the server gate whether the kit can provide a PgBouncer here, without starting one.
   *
   * @param env the environment
   * @return available when a URL is set, a Docker engine answers or a {@code pgbouncer} binary is installed
   */
  static Availability availability(Map<String, String> env) {
    if (Env.get(env, Env.PGBOUNCER_URL) != null || Docker.available()
        || findOnPath("pgbouncer", "/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer") != null) {
      return Availability.available();
    }
    return Availability.unavailable(Env.PGBOUNCER_URL + " is not set, no Docker engine answered, and there is no"
        + " 'pgbouncer' executable on the PATH or in /usr/sbin");
  }

  static PgBouncerEndpoint resolve(Map<String, String> env, BooleanSupplier docker, PostgresServer server,
      Function<PostgresServer, PgBouncerEndpoint> binary) {
    String url = Env.get(env, Env.PGBOUNCER_URL);
    if (url != null) {
      return fromUrl(url);
    }
    return Fallback.dockerElseLocal(LOG, IMAGE, "a local pgbouncer binary", docker,
        () -> startTestcontainers(server), () -> binary.apply(server),
        (dockerOutcome, e) -> "no PgBouncer for tenancy-test. Provide one of: (1) " + Env.PGBOUNCER_URL
            + "=jdbc:postgresql://127.0.0.1:6432/postgres?user=ADMIN pointing at a PgBouncer in front of the same"
            + " PostgreSQL server, with pool_mode=transaction, a '*' wildcard database, auth_user/auth_query (so"
            + " roles created by tests can log in) and ignore_startup_parameters=extra_float_digits,options; the kit"
            + " ships dev/tenancy/test/pgbouncer/start-pgbouncer.sh to set that up; (2) a running Docker engine for"
            + " Testcontainers (image " + IMAGE + "); (3) a 'pgbouncer' binary on the PATH (e.g. apt-get install"
            + " pgbouncer), which the kit starts itself. Tried: " + Env.PGBOUNCER_URL + " not set; " + dockerOutcome
            + "; local binary failed: " + e.getMessage());
  }

  /**
   * Uses an existing PgBouncer given by a JDBC URL; its database name is ignored (each test uses its own).
   *
   * @param url a {@code jdbc:postgresql:} URL
   * @return the endpoint, checked to accept a connection
   */
  public static PgBouncerEndpoint fromUrl(String url) {
    Properties props = Driver.parseURL(url, null);
    if (props == null || props.getProperty("PGHOST").contains(",")) {
      throw new IllegalArgumentException(Env.PGBOUNCER_URL + " must be a JDBC URL with one host, like"
          + " jdbc:postgresql://127.0.0.1:6432/postgres?user=postgres, but was '" + PostgresServers.redact(url) + "'");
    }
    Map<String, String> extra = new HashMap<>();
    for (String key : props.stringPropertyNames()) {
      if (!key.startsWith("PG") && !key.equals("user") && !key.equals("password")) {
        extra.put(key, props.getProperty(key));
      }
    }
    PgBouncerEndpoint endpoint = new PgBouncerEndpoint(Env.PGBOUNCER_URL, props.getProperty("PGHOST"),
        Integer.parseInt(props.getProperty("PGPORT")), props.getProperty("user"), props.getProperty("password"),
        extra);
    awaitListening(endpoint.host(), endpoint.port(), Duration.ofSeconds(2), null);
    return endpoint;
  }

  /**
   * Starts a PgBouncer binary from the PATH on a free loopback port, dropping root privileges; it is stopped at JVM
   * exit.
   *
   * @param server the PostgreSQL server to front
   * @return the endpoint
   */
  public static PgBouncerEndpoint startBinary(PostgresServer server) {
    Path binary = findOnPath("pgbouncer", "/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer");
    if (binary == null) {
      throw new IllegalStateException("no 'pgbouncer' executable on the PATH or in /usr/sbin");
    }
    IllegalStateException last = null;
    // A port picked as free can be taken before PgBouncer binds it; a retry with another port is enough.
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return ManagedPgBouncer.start(binary, server, FreePort.pick());
      } catch (IllegalStateException e) {
        last = e;
        LOG.debug("tenancy-test: PgBouncer start attempt {} failed", attempt, e);
      }
    }
    throw last;
  }

  /**
   * Starts a PgBouncer container ({@value #IMAGE}) with the kit's own configuration; it is removed at JVM exit.
   *
   * @param server the PostgreSQL server to front
   * @return the endpoint
   */
  public static PgBouncerEndpoint startTestcontainers(PostgresServer server) {
    String pgHost;
    int pgPort;
    String alias = server.networkAlias();
    if (server.network() != null && alias != null) {
      pgHost = alias;
      pgPort = 5432;
    } else {
      // A server on the host (URL or embedded) is reached through Testcontainers' host port forwarding.
      Testcontainers.exposeHostPorts(server.port());
      pgHost = "host.testcontainers.internal";
      pgPort = server.port();
    }
    String authPath = "/tmp/tenancy/userlist.txt";
    String ini = PgBouncerConfig.ini(pgHost, pgPort, "0.0.0.0", 6432, authPath, "", server.adminUser());
    @SuppressWarnings("resource") // closed by the shutdown hook
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withExposedPorts(6432)
        .withCopyToContainer(Transferable.of(ini.getBytes(StandardCharsets.UTF_8), 0644), "/tmp/tenancy/pgbouncer.ini")
        .withCopyToContainer(Transferable.of(
            PgBouncerConfig.authFile(server.adminUser(), server.adminPassword(), Map.of())
                .getBytes(StandardCharsets.UTF_8), 0644), authPath)
        // Bypass the image's entrypoint, which would write its own configuration from environment variables.
        .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("pgbouncer"))
        .withCommand("/tmp/tenancy/pgbouncer.ini");
    if (server.network() != null) {
      container.withNetwork(server.network());
    }
    container.start();
    Shutdown.register("PgBouncer container " + container.getContainerId(), container::stop);
    PgBouncerEndpoint endpoint = new PgBouncerEndpoint("Testcontainers (" + IMAGE + ")", container.getHost(),
        container.getMappedPort(6432), null, null, Map.of());
    KnownRoles.listen(server, roles -> {
      container.copyFileToContainer(Transferable.of(
          PgBouncerConfig.authFile(server.adminUser(), server.adminPassword(), roles)
              .getBytes(StandardCharsets.UTF_8), 0644), authPath);
      reload(endpoint.host(), endpoint.port(), server);
    });
    return endpoint;
  }

  /**
   * Sends RELOAD on the admin console, so PgBouncer reads the auth file again. PgBouncer handles it before
   * answering, so a role written to the file can log in once this returns.
   */
  static void reload(String host, int port, PostgresServer server) {
    try {
      PgBouncerAdmin.run(host, port, server.adminUser(), server.adminPassword(), "RELOAD");
    } catch (RuntimeException e) {
      throw new IllegalStateException("PgBouncer at " + host + ":" + port + " refused RELOAD, so a new role cannot"
          + " log in through it: " + e.getMessage(), e);
    }
  }

  static void awaitListening(String host, int port, Duration timeout, @Nullable Process process) {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException("PgBouncer exited with status " + process.exitValue() + " while starting");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 500);
        return;
      } catch (IOException e) {
        last = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for PgBouncer", e);
      }
    }
    throw new IllegalStateException("PgBouncer at " + host + ":" + port + " does not accept connections ("
        + (last == null ? "timeout" : last.getMessage()) + ")");
  }

  static @Nullable Path findOnPath(String name, String... fallbacks) {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, name));
        }
      }
    }
    // Debian installs pgbouncer in /usr/sbin, which is not on a non-root PATH.
    for (String f : fallbacks) {
      candidates.add(Path.of(f));
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
  }

  /** A PgBouncer process the kit started and owns. */
  private static final class ManagedPgBouncer {
    private final Path dir;
    private final PostgresServer server;
    private final @Nullable UserPrincipal owner;

    private ManagedPgBouncer(Path dir, PostgresServer server, @Nullable UserPrincipal owner) {
      this.dir = dir;
      this.server = server;
      this.owner = owner;
    }

    static PgBouncerEndpoint start(Path binary, PostgresServer server, int port) {
      long begin = System.nanoTime();
      try {
        Path dir = Files.createTempDirectory("tenancy-pgbouncer-");
        List<String> command = new ArrayList<>();
        UserPrincipal owner = null;
        if (isRoot()) {
          // PgBouncer refuses to run as root ("PgBouncer should not run as root").
          String[] account = unprivilegedAccount();
          owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(account[0]);
          Path setpriv = findOnPath("setpriv", "/usr/bin/setpriv");
          if (setpriv == null) {
            throw new IllegalStateException("running as root, PgBouncer must drop privileges, but 'setpriv'"
                + " (util-linux) is not installed");
          }
          // setpriv execs PgBouncer in place, so the Process we hold is PgBouncer itself and destroy() reaches it.
          command.addAll(List.of(setpriv.toString(), "--reuid=" + account[1], "--regid=" + account[2],
              "--clear-groups", "--"));
        }
        Path ini = dir.resolve("pgbouncer.ini");
        Path log = dir.resolve("pgbouncer.log");
        Files.writeString(ini, PgBouncerConfig.ini(server.host(), server.port(), "127.0.0.1", port,
            dir.resolve("userlist.txt").toString(), log.toString(), server.adminUser()));
        ManagedPgBouncer bouncer = new ManagedPgBouncer(dir, server, owner);
        bouncer.writeAuthFile(Map.of());
        bouncer.secure(ini);
        bouncer.secure(dir);
        command.add(binary.toString());
        command.add(ini.toString());
        Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
        Shutdown.register("PgBouncer on port " + port, () -> bouncer.stop(process));
        try {
          awaitListening("127.0.0.1", port, STARTUP, process);
        } catch (IllegalStateException e) {
          String output = tail(dir.resolve("stdout.log")) + tail(log);
          throw new IllegalStateException(e.getMessage() + "; PgBouncer said: " + output.strip(), e);
        }
        PgBouncerEndpoint endpoint =
            new PgBouncerEndpoint("pgbouncer binary " + binary, "127.0.0.1", port, null, null, Map.of());
        KnownRoles.listen(server, roles -> {
          bouncer.writeAuthFile(roles);
          reload("127.0.0.1", port, server);
        });
        LOG.info("tenancy-test: started {} on 127.0.0.1:{} in {} ms (config in {})", binary, port,
            (System.nanoTime() - begin) / 1_000_000, dir);
        return endpoint;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start PgBouncer: " + e.getMessage(), e);
      }
    }

    private void writeAuthFile(Map<String, String> roles) {
      try {
        Path tmp = dir.resolve("userlist.txt.new");
        Files.writeString(tmp, PgBouncerConfig.authFile(server.adminUser(), server.adminPassword(), roles));
        secure(tmp);
        // Atomic, so a RELOAD racing with a rewrite never reads half a file.
        Files.move(tmp, dir.resolve("userlist.txt"), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write PgBouncer auth file in " + dir, e);
      }
    }

    /** Plaintext passwords live here: readable by PgBouncer's user only. */
    private void secure(Path path) throws IOException {
      Files.setPosixFilePermissions(path,
          PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwx------" : "rw-------"));
      if (owner != null) {
        Files.setOwner(path, owner);
      }
    }

    private void stop(Process process) throws IOException, InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }

    private static String tail(Path file) {
      try {
        if (!Files.exists(file)) {
          return "";
        }
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())) + "\n";
      } catch (IOException e) {
        return "";
      }
    }
  }

  static boolean isRoot() {
    try {
      // /proc/self belongs to the process's real user: a reliable root check that needs no native code.
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Returns {name, uid, gid} of 'postgres' if it exists, else of 'nobody', read from /etc/passwd. */
  static String[] unprivilegedAccount() throws IOException {
    Map<String, String[]> accounts = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
      String[] f = line.split(":");
      if (f.length >= 4) {
        accounts.put(f[0], new String[] {f[0], f[2], f[3]});
      }
    }
    for (String name : List.of("postgres", "nobody")) {
      if (accounts.containsKey(name)) {
        return accounts.get(name);
      }
    }
    throw new IllegalStateException("running as root, PgBouncer must drop privileges, but /etc/passwd has neither"
        + " a 'postgres' nor a 'nobody' user; run the tests as a non-root user");
  }
}
