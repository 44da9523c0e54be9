package dev.tenancy.test.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} process the kit owns: from the PATH, else the binary shipped in the embedded-redis jar.
 * No persistence, loopback only, its files in a temporary directory deleted when it stops. Not thread-safe.
 */
public final class RedisProcess {
  private static final Duration STARTUP = Duration.ofSeconds(20);
  private static final Lazy<BinaryLookup> BINARY = new Lazy<>(RedisProcess::lookUp);

  private final Path binary;
  private final int port;
  private final List<String> extraArguments;
  private final Path dir;
  private final Path log;
  private @Nullable Process process;

  private record BinaryLookup(@Nullable Path path, String failure) {}

  private RedisProcess(Path binary, int port, List<String> extraArguments, Path dir) {
    this.binary = binary;
    this.port = port;
    this.extraArguments = extraArguments;
    this.dir = dir;
    this.log = Path.of(dir + ".log");
  }

  /**
   * Returns the {@code redis-server} the kit runs: the one on the PATH, else the embedded-redis jar's one.
   *
   * @return the executable, or null when neither exists for this platform
   */
  public static @Nullable Path binary() {
    return BINARY.get().path();
  }

  /**
   * Returns why no binary was found; empty when one was.
   *
   * @return why no binary was found; empty when one was
   */
  static String binaryFailure() {
    return BINARY.get().failure();
  }

  private static BinaryLookup lookUp() {
    Path onPath = PgBouncers.findOnPath("redis-server");
    if (onPath != null) {
      return new BinaryLookup(onPath, "");
    }
    try {
      File extracted = ExecutableProvider.newJarResourceProvider().get();
      return new BinaryLookup(extracted.toPath(), "");
    } catch (IOException | RuntimeException e) {
      return new BinaryLookup(null, "no 'redis-server' on the PATH, and the embedded-redis jar has no binary for"
          + " this platform (" + e.getMessage() + ")");
    }
  }

  /**
   * Starts a server on a port and waits until it answers.
   *
   * @param port the loopback port
   * @param extraArguments further {@code redis-server} options, e.g. {@code --cluster-enabled yes}
   * @return the running process
   * @throws IllegalStateException when there is no binary or the server does not come up
   */
  public static RedisProcess start(int port, List<String> extraArguments) {
    Path binary = binary();
    if (binary == null) {
      throw new IllegalStateException("cannot start redis-server: " + binaryFailure());
    }
    try {
      RedisProcess redis = new RedisProcess(binary, port, List.copyOf(extraArguments),
          Files.createTempDirectory("tenancy-redis-" + port + "-"));
      redis.launch();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for redis-server: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the port.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns whether the process runs.
   *
   * @return whether the process runs
   */
  public boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Starts the process again on the same port, with no data (after {@link #kill()}). */
  public void relaunch() {
    if (alive()) {
      throw new IllegalStateException("redis-server on port " + port + " still runs; stop it first");
    }
    launch();
  }

  private void launch() {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--daemonize", "no", "--protected-mode", "no", "--logfile", ""));
    command.addAll(extraArguments);
    // A cluster node keeps its identity in nodes.conf; a relaunch starts empty, as a fresh node.
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Process started = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      process = started;
      awaitPing(started);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary + " on port " + port + ": " + e.getMessage(), e);
    }
  }

  private void awaitPing(Process started) {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited with status "
            + started.exitValue() + " while starting; see " + log);
      }
      if (RespPing.ping("127.0.0.1", port)) {
        return;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for redis-server", e);
      }
    }
    kill();
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + STARTUP
        + "; see " + log);
  }

  /** Kills the process (SIGKILL) and waits for it to exit; its data is gone. */
  public void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server on port " + port + " did not exit after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping redis-server", e);
    }
    process = null;
  }

  /** Kills the process and deletes its files. */
  public void destroy() {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }
}
