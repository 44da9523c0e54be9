package dev.tenancy.outbox;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Publishes to one Redis stream per topic with pipelined XADDs on one connection. */
final class RedisStreamsPublisher implements OutboxPublisher {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final byte[] EVENT_ID = Wire.bytes(Wire.EVENT_ID);
  private static final byte[] TENANT = Wire.bytes(Wire.TENANT);
  private static final byte[] TOPIC = Wire.bytes(Wire.TOPIC);
  private static final byte[] KEY = Wire.bytes(Wire.KEY);
  private static final byte[] CONTENT_TYPE = Wire.bytes(Wire.CONTENT_TYPE);
  private static final byte[] CREATED_AT = Wire.bytes(Wire.CREATED_AT);
  private static final byte[] PAYLOAD = Wire.bytes(Wire.PAYLOAD);

  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final String streamPrefix;

  RedisStreamsPublisher(String redisUri, String streamPrefix) {
    this.client = RedisClient.create(redisUri);
    this.connection = client.connect(ByteArrayCodec.INSTANCE);
    this.connection.setAutoFlushCommands(false);
    this.streamPrefix = streamPrefix;
  }

  @Override
  public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
    List<RedisFuture<String>> futures = new ArrayList<>(batch.size());
    synchronized (this) {
      RedisAsyncCommands<byte[], byte[]> redis = connection.async();
      for (OutboxMessage m : batch) {
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        body.put(EVENT_ID, Wire.bytes(m.eventId().toString()));
        body.put(TENANT, Wire.bytes(m.tenant().value()));
        body.put(TOPIC, Wire.bytes(m.topic()));
        body.put(KEY, Wire.bytes(m.key()));
        body.put(CONTENT_TYPE, Wire.bytes(m.contentType()));
        body.put(CREATED_AT, Wire.bytes(m.createdAt().toString()));
        m.headers().forEach((k, v) -> body.put(Wire.bytes(k), Wire.bytes(v)));
        body.put(PAYLOAD, m.payloadUnsafe());
        futures.add(redis.xadd(Wire.bytes(streamPrefix + m.topic()), body));
      }
      connection.flushCommands();
    }
    Map<UUID, Exception> failures = new HashMap<>();
    Set<String> failedKeys = new HashSet<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    for (int i = 0; i < batch.size(); i++) {
      OutboxMessage m = batch.get(i);
      try {
        futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (failedKeys.contains(m.key())) {
          // Sent after an earlier message of its key failed (pipelining cannot stop it): it stays published.
          continue;
        }
      } catch (ExecutionException e) {
        failedKeys.add(m.key());
        failures.put(m.eventId(), e.getCause() instanceof Exception x ? x : e);
      } catch (TimeoutException e) {
        failedKeys.add(m.key());
        failures.put(m.eventId(), e);
      }
    }
    return failures;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }

  @Override
  public String toString() {
    return "RedisStreamsPublisher[" + streamPrefix + "*]";
  }
}
