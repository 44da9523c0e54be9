package dev.tenancy.outbox;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** XREADGROUP + XACK + XAUTOCLAIM loop on a thread of its own. */
final class RedisStreamConsumer implements InboxConsumer {
  private static final Logger log = LoggerFactory.getLogger(RedisStreamConsumer.class);

  private final InboxCounts counts;
  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final byte[] stream;
  private final String group;
  private final String name;
  private final Duration reclaimAfter;
  private final Thread thread;
  private volatile boolean running = true;

  RedisStreamConsumer(Inbox inbox, String uri, String stream, String group, String name, Duration reclaimAfter,
      Inbox.Handler handler) {
    this.counts = new InboxCounts(inbox, handler);
    this.client = RedisClient.create(uri);
    this.connection = client.connect(ByteArrayCodec.INSTANCE);
    this.stream = Wire.bytes(stream);
    this.group = group;
    this.name = name;
    this.reclaimAfter = reclaimAfter;
    try {
      connection.sync().xgroupCreate(XReadArgs.StreamOffset.from(this.stream, "0"), Wire.bytes(group),
          XGroupCreateArgs.Builder.mkstream());
    } catch (RedisBusyException e) {
      // BUSYGROUP: the group exists already
    }
    this.thread = new Thread(this::loop, "tenancy-inbox-redis-" + name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void loop() {
    RedisCommands<byte[], byte[]> redis = connection.sync();
    Consumer<byte[]> me = Consumer.from(Wire.bytes(group), Wire.bytes(name));
    long nextReclaim = 0;
    while (running) {
      try {
        if (System.nanoTime() - nextReclaim >= 0) {
          nextReclaim = System.nanoTime() + reclaimAfter.toNanos() / 2;
          String start = "0-0";
          do {
            ClaimedMessages<byte[], byte[]> claimed = redis.xautoclaim(stream,
                XAutoClaimArgs.Builder.xautoclaim(me, reclaimAfter, start).count(100));
            handle(redis, claimed.getMessages());
            start = claimed.getId();
          } while (running && !"0-0".equals(start));
        }
        List<StreamMessage<byte[], byte[]>> messages = redis.xreadgroup(me,
            XReadArgs.Builder.count(100).block(Duration.ofMillis(200)),
            XReadArgs.StreamOffset.lastConsumed(stream));
        handle(redis, messages);
      } catch (RuntimeException e) {
        if (running) {
          log.warn("redis stream consumer {} failed; retrying: {}", name, e.toString());
          try {
            Thread.sleep(500);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private void handle(RedisCommands<byte[], byte[]> redis, List<StreamMessage<byte[], byte[]>> messages) {
    for (StreamMessage<byte[], byte[]> sm : messages) {
      if (!running) {
        return;
      }
      Map<byte[], byte[]> body = sm.getBody();
      if (body == null) {
        // deleted entry reported by XAUTOCLAIM: nothing to handle
        redis.xack(stream, Wire.bytes(group), sm.getId());
        continue;
      }
      Map<String, String> fields = new HashMap<>();
      byte @Nullable [] payload = null;
      for (Map.Entry<byte[], byte[]> f : body.entrySet()) {
        String k = new String(f.getKey(), StandardCharsets.UTF_8);
        if (k.equals(Wire.PAYLOAD)) {
          payload = f.getValue();
        } else {
          fields.put(k, new String(f.getValue(), StandardCharsets.UTF_8));
        }
      }
      try {
        OutboxMessage m = Wire.decode(fields, payload == null ? new byte[0] : payload);
        counts.process(m);
        redis.xack(stream, Wire.bytes(group), sm.getId());
      } catch (Exception e) {
        // left pending: XAUTOCLAIM hands it out again after reclaimAfter
        log.warn("handling stream entry {} failed; it stays pending: {}", sm.getId(), e.toString());
      }
    }
  }

  @Override
  public long handled() {
    return counts.handled();
  }

  @Override
  public long duplicates() {
    return counts.duplicates();
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
    client.shutdown();
  }
}
