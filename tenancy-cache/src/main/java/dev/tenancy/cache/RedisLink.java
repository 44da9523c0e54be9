package dev.tenancy.cache;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisKeyAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One shared Lettuce connection (standalone or cluster) with byte-array keys and values. Lettuce pipelines the
 * commands of concurrent callers on it. On a standalone server, disconnected commands fail at once instead of
 * queueing, so callers fall back to their loader rather than wait for a reconnect; on a cluster they queue, bounded
 * by the command timeout.
 */
final class RedisLink {

  final RedisScriptingAsyncCommands<byte[], byte[]> scripting;
  final RedisStringAsyncCommands<byte[], byte[]> strings;
  final RedisKeyAsyncCommands<byte[], byte[]> keys;
  final BaseRedisAsyncCommands<byte[], byte[]> base;
  final boolean cluster;
  private final AbstractRedisClient client;
  private final StatefulConnection<byte[], byte[]> connection;
  private final List<StatefulConnection<byte[], byte[]>> subscriptions = new ArrayList<>();
  private final String description;

  private RedisLink(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
      Object commands, boolean cluster, String description) {
    this.client = client;
    this.connection = connection;
    @SuppressWarnings("unchecked")
    RedisScriptingAsyncCommands<byte[], byte[]> s = (RedisScriptingAsyncCommands<byte[], byte[]>) commands;
    @SuppressWarnings("unchecked")
    RedisStringAsyncCommands<byte[], byte[]> st = (RedisStringAsyncCommands<byte[], byte[]>) commands;
    @SuppressWarnings("unchecked")
    RedisKeyAsyncCommands<byte[], byte[]> k = (RedisKeyAsyncCommands<byte[], byte[]>) commands;
    @SuppressWarnings("unchecked")
    BaseRedisAsyncCommands<byte[], byte[]> b = (BaseRedisAsyncCommands<byte[], byte[]>) commands;
    this.scripting = s;
    this.strings = st;
    this.keys = k;
    this.base = b;
    this.cluster = cluster;
    this.description = description;
  }

  static RedisLink connect(List<String> uris, boolean cluster, Duration timeout) {
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    if (cluster) {
      List<RedisURI> seeds = uris.stream().map(RedisURI::create).toList();
      RedisClusterClient client = RedisClusterClient.create(seeds);
      // Node connections open on first use; rejecting commands while disconnected would fail those first
      // commands, so they queue, bounded by the command timeout.
      client.setOptions(ClusterClientOptions.builder()
          .autoReconnect(true)
          .timeoutOptions(timeouts)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
          .build());
      StatefulRedisClusterConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
      RedisAdvancedClusterAsyncCommands<byte[], byte[]> commands = c.async();
      return new RedisLink(client, c, commands, true, "redisCluster" + uris);
    }
    RedisClient client = RedisClient.create(RedisURI.create(uris.get(0)));
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(timeouts)
        .build());
    StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
    RedisAsyncCommands<byte[], byte[]> commands = c.async();
    return new RedisLink(client, c, commands, false, "redis(" + uris.get(0) + ")");
  }

  /** Subscribes to a channel on a connection of its own; Lettuce resubscribes after reconnecting. */
  synchronized void subscribe(byte[] channel, Consumer<byte[]> onMessage) {
    RedisPubSubAdapter<byte[], byte[]> listener = new RedisPubSubAdapter<>() {
      @Override
      public void message(byte[] ch, byte[] message) {
        onMessage.accept(message);
      }
    };
    if (client instanceof RedisClusterClient cc) {
      StatefulRedisClusterPubSubConnection<byte[], byte[]> ps = cc.connectPubSub(ByteArrayCodec.INSTANCE);
      ps.addListener(listener);
      ps.sync().subscribe(channel);
      subscriptions.add(ps);
    } else {
      StatefulRedisPubSubConnection<byte[], byte[]> ps = ((RedisClient) client).connectPubSub(ByteArrayCodec.INSTANCE);
      ps.addListener(listener);
      ps.sync().subscribe(channel);
      subscriptions.add(ps);
    }
  }

  /**
   * Runs {@code onDisconnect} when a connection of a standalone client drops. Cluster clients open and close node
   * connections on topology changes, so there a heartbeat finds outages instead.
   */
  void onDisconnect(Runnable onDisconnect) {
    if (client instanceof RedisClient) {
      client.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
          onDisconnect.run();
        }
      });
    }
  }

  synchronized void close() {
    for (StatefulConnection<byte[], byte[]> s : subscriptions) {
      s.close();
    }
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return description;
  }
}
