package dev.tenancy.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A redis-server process of the test's own on a free loopback port, which the test may stop and restart. */
final class PrivateRedis implements AutoCloseable {

  private int port;
  private Process process;

  private PrivateRedis() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      try {
        process = launch();
        return;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  static PrivateRedis start() throws IOException {
    return new PrivateRedis();
  }

  /** Starts redis-server and waits for its "Ready to accept connections" line. */
  private Process launch() throws IOException {
    Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder log = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      log.append(line).append('\n');
      if (line.contains("Ready to accept connections")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // discard
            }
          } catch (IOException ignored) {
            // the process ended
          }
        }, "private-redis-" + port);
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    p.destroyForcibly();
    throw new IOException("redis-server did not start on port " + port + ":\n" + log);
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  void stop() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts the server again on the same port, empty. */
  void restart() throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        process = launch();
        return;
      } catch (IOException e) {
        last = e; // the port may linger for a moment
        Thread.sleep(100);
      }
    }
    throw last;
  }

  /** Freezes the server (SIGSTOP): it keeps its data but answers nothing, like a partition or a stall. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a paused server run again (SIGCONT). */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException, IOException {
    resume();
    stop();
  }
}
