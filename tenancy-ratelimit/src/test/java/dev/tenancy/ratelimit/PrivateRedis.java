package dev.tenancy.ratelimit;

import dev.tenancy.test.internal.FreePort;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** A redis-server process this test owns and may stop (the shared server must never be stopped). */
final class PrivateRedis implements AutoCloseable {

  private final int port;
  private Process process;

  private PrivateRedis(int port) {
    this.port = port;
    this.process = launch(port);
  }

  static PrivateRedis start() {
    return new PrivateRedis(FreePort.pick());
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  void stop() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void restart() {
    stop();
    process = launch(port);
  }

  @Override
  public void close() {
    stop();
  }

  private static Process launch(int port) {
    try {
      Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no")
          .redirectErrorStream(true)
          .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "private-redis-" + port + ".log"))
          .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return p;
        } catch (IOException e) {
          Thread.sleep(50);
        }
      }
      p.destroyForcibly();
      throw new IllegalStateException("redis-server did not listen on port " + port + " within 10 s");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server (is it on the PATH?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
