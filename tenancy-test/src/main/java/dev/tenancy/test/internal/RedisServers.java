package dev.tenancy.test.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import redis.embedded.RedisServer;

/** Finds or starts the Redis server the fixtures use: one per JVM. Thread-safe. */
public final class RedisServers {
  private static final Logger LOG = LoggerFactory.getLogger(RedisServers.class);
  private static final String IMAGE = "redis:7";
  private static final Lazy<RedisServerInfo> SHARED =
      new Lazy<>(() -> resolve(System.getenv(), Docker::available, RedisServers::startEmbedded));

  private RedisServers() {}

  /**
   * Returns the JVM-wide server, finding or starting it on the first call.
   *
   * @return the server
   * @throws IllegalStateException when no server could be found or started; the message says how to provide one
   */
  public static RedisServerInfo shared() {
    return SHARED.get();
  }

  static RedisServerInfo resolve(Map<String, String> env, BooleanSupplier docker, Supplier<RedisServerInfo> embedded) {
    String url = Env.get(env, Env.REDIS_URL);
    if (url != null) {
      return connect(Env.REDIS_URL, url);
    }
    return Fallback.dockerElseLocal(LOG, IMAGE, "embedded Redis", docker, RedisServers::startTestcontainers,
        embedded, (dockerOutcome, e) -> "no Redis server for tenancy-test. Provide one of: (1) " + Env.REDIS_URL
            + "=redis://HOST:6379 (redis://:PASSWORD@HOST:6379 with a password); (2) a running Docker engine for"
            + " Testcontainers (image " + IMAGE + "); (3) embedded Redis, which runs a redis-server binary shipped"
            + " in the embedded-redis jar (Linux/macOS x86_64 or arm64). Tried: " + Env.REDIS_URL + " not set; "
            + dockerOutcome + "; embedded Redis failed: " + e.getMessage());
  }

  /**
   * Connects to an existing server.
   *
   * @param source where the URI came from, for messages
   * @param uri a {@code redis://} URI
   * @return the server, checked with PING
   */
  public static RedisServerInfo connect(String source, String uri) {
    RedisURI parsed;
    try {
      parsed = RedisURI.create(uri);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + " must be a Redis URI like redis://127.0.0.1:6379 but was '"
          + uri + "'", e);
    }
    parsed.setTimeout(Duration.ofSeconds(5));
    RedisClient client = RedisClient.create(parsed);
    StatefulRedisConnection<String, String> connection;
    try {
      connection = client.connect();
      connection.sync().ping();
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
      throw new IllegalStateException("cannot reach Redis at " + uri + " (from " + source + "): " + e.getMessage()
          + "; check that the server runs and the URI is right", e);
    }
    Shutdown.register("Redis client for " + uri,
        () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    return new RedisServerInfo(source, uri, parsed, client, connection);
  }

  /**
   * Starts a {@value #IMAGE} container; it is removed at JVM exit.
   *
   * @return the server
   */
  public static RedisServerInfo startTestcontainers() {
    @SuppressWarnings("resource") // closed by the shutdown hook
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE)).withExposedPorts(6379);
    container.start();
    Shutdown.register("Redis container " + container.getContainerId(), container::stop);
    return connect("Testcontainers (" + IMAGE + ")",
        "redis://" + container.getHost() + ":" + container.getMappedPort(6379));
  }

  /**
   * Starts embedded Redis on a free loopback port; it is stopped at JVM exit.
   *
   * @return the server
   */
  public static RedisServerInfo startEmbedded() {
    int port = FreePort.pick();
    RedisServer server;
    try {
      server = RedisServer.newRedisServer()
          .port(port)
          .bind("127.0.0.1")
          // No persistence: a test server must not write dump files into the working directory.
          .setting("save \"\"")
          .setting("appendonly no")
          .build();
      server.start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("embedded Redis did not start on port " + port + ": " + e.getMessage(), e);
    }
    Shutdown.register("embedded Redis on port " + port, server::stop);
    return connect("embedded Redis", "redis://127.0.0.1:" + port);
  }
}
