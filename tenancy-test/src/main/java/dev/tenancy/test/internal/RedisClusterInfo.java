package dev.tenancy.test.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;

/**
 * A Redis Cluster the fixtures use and one open connection to each of its masters.
 *
 * @param source where it came from, for messages
 * @param masterUris one {@code redis://host:port} per master
 * @param masters a connection to each master, in the order of {@code masterUris}
 */
public record RedisClusterInfo(String source, List<String> masterUris,
    List<StatefulRedisConnection<String, String>> masters) {
  /** Copies the lists. */
  public RedisClusterInfo {
    masterUris = List.copyOf(masterUris);
    masters = List.copyOf(masters);
  }
}
