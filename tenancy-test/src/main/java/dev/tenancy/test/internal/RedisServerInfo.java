package dev.tenancy.test.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Objects;

/**
 * A Redis server the fixtures use, and the one Lettuce connection they share for cleanup. Thread-safe: Lettuce
 * connections may be used from many threads.
 *
 * @param source where the server came from, for messages
 * @param uri the URI to give users, e.g. {@code redis://127.0.0.1:6379}
 * @param redisUri the parsed URI
 * @param client the Lettuce client
 * @param connection the shared connection
 */
public record RedisServerInfo(
    String source,
    String uri,
    RedisURI redisUri,
    RedisClient client,
    StatefulRedisConnection<String, String> connection) {
  /**
   * Validates the components.
   *
   * @throws NullPointerException when one is null
   */
  public RedisServerInfo {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(redisUri, "redisUri");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(connection, "connection");
  }
}
