package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Redis Streams publisher and inbox consumer against a real Redis. */
class RedisStreamsIT extends BrokersHarness {
  @Test
  void redisStreamsCarryTheEventsAndTheInboxAppliesEachOnceEvenWhenDeliveredTwiceOrLeftPending() throws Exception {
    try (TestRedis redis = TestRedis.create()) {
      String prefix = redis.key("ev:");
      List<UUID> ids = appendSome(60);
      drain(OutboxPublishers.redisStreams(redis.uri(), prefix));
      // Simulate a relay that crashed after XADD, before its commit: the same events once more.
      db.append(ACME, OutboxEvent.json("order.placed", "o-dup", "{}"));
      List<OutboxMessage> again = new ArrayList<>();
      InMemoryOutboxPublisher capture = OutboxPublishers.inMemory();
      drain(capture);
      again.addAll(capture.published());
      try (OutboxPublisher p = OutboxPublishers.redisStreams(redis.uri(), prefix)) {
        assertThat(p.publish(again)).isEmpty();
        assertThat(p.publish(again)).isEmpty();
      }
      ids.add(again.get(0).eventId());
      String stream = prefix + "order.placed";
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().xlen(stream)).isEqualTo(62);
        StreamMessage<String, String> first = c.sync().xrange(stream, io.lettuce.core.Range.create("-", "+"),
            io.lettuce.core.Limit.from(1)).get(0);
        assertThat(first.getBody()).containsKeys("tenancy-event-id", "tenancy-tenant", "tenancy-topic",
            "tenancy-key", "tenancy-payload", "trace");
        // A consumer of the group reads 20 entries and dies without acknowledging them.
        c.sync().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "billing", XGroupCreateArgs.Builder.mkstream());
        List<StreamMessage<String, String>> taken = c.sync().xreadgroup(Consumer.from("billing", "dead"),
            XReadArgs.Builder.count(20), XReadArgs.StreamOffset.lastConsumed(stream));
        assertThat(taken).hasSize(20);
        Inbox inbox = Inbox.builder(db.tenantDs, "billing").schema(db.schema).build();
        try (InboxConsumer consumer = inbox.consumeRedisStream(redis.uri(), stream, "billing", "alive",
            Duration.ofMillis(300), EFFECT)) {
          OutboxRelayIT.awaitTrue(Duration.ofSeconds(30), () -> consumer.handled() + consumer.duplicates() >= 62);
          assertThat(consumer.handled()).isEqualTo(61);
          assertThat(consumer.duplicates()).isEqualTo(1);
          OutboxRelayIT.awaitTrue(Duration.ofSeconds(10),
              () -> c.sync().xpending(stream, "billing").getCount() == 0);
        }
      } finally {
        client.shutdown();
      }
      Map<UUID, Long> effects = effects();
      assertThat(effects.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(effects.values()).containsOnly(1L);
    }
  }

}
