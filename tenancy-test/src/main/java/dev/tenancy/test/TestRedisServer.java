package dev.tenancy.test;

import dev.tenancy.test.internal.FreePort;
import dev.tenancy.test.internal.RedisProcess;
import dev.tenancy.test.internal.Shutdown;

/**
 * A private {@code redis-server} process that one test owns and may kill: for testing what code does when Redis
 * goes away and comes back. Runs the {@code redis-server} on the PATH, else the embedded-redis jar's binary, on a
 * free loopback port, without persistence. Use it in try-with-resources; a server left running is killed at JVM
 * exit. Not thread-safe: one test drives it.
 */
public final class TestRedisServer implements AutoCloseable {
  private final RedisProcess process;
  private boolean closed;

  private TestRedisServer(RedisProcess process) {
    this.process = process;
  }

  /**
   * Starts a server on a free loopback port and waits until it answers PING.
   *
   * @return the running server
   * @throws IllegalStateException when no {@code redis-server} can be run here or it does not come up
   */
  public static TestRedisServer start() {
    IllegalStateException last = null;
    // A port picked as free can be taken before redis-server binds it; another port is enough.
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        TestRedisServer server = new TestRedisServer(RedisProcess.start(FreePort.pick(), java.util.List.of()));
        Shutdown.register("private redis-server on port " + server.port(), server);
        return server;
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * Returns the server's URI, {@code redis://127.0.0.1:<port>}.
   *
   * @return the server's URI, {@code redis://127.0.0.1:<port>}
   */
  public String uri() {
    return "redis://127.0.0.1:" + process.port();
  }

  /**
   * Returns the server's port; it stays the same across {@link #restart()}.
   *
   * @return the server's port; it stays the same across {@link #restart()}
   */
  public int port() {
    return process.port();
  }

  /** Kills the server (SIGKILL) and waits until it is gone: connections drop, nothing is saved. */
  public void stop() {
    process.kill();
  }

  /**
   * Starts the server again on the same port, empty; stops it first if it runs.
   *
   * @throws IllegalStateException when it does not come up (for example, another process took the port)
   */
  public void restart() {
    if (process.alive()) {
      process.kill();
    }
    process.relaunch();
  }

  /** Kills the server and deletes its files; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      process.destroy();
    }
  }

  @Override
  public String toString() {
    return "TestRedisServer[" + uri() + (process.alive() ? "" : ", stopped") + "]";
  }
}
