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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis Streams and RabbitMQ publishers with their inbox consumers, against the real servers. */
class BrokersIT {
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");

  OutboxDb db;

  @BeforeEach
  void setUp() {
    db = OutboxDb.create();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  static final Inbox.Handler EFFECT = (c, m) -> {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO effects (tenant_id, event_id, consumer) VALUES (current_setting('tenancy.tenant_id'), ?, 'x')")) {
      ps.setObject(1, m.eventId());
      ps.executeUpdate();
    }
  };

  List<UUID> appendSome(int n) throws Exception {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(db.append(i % 2 == 0 ? ACME : GLOBEX,
          OutboxEvent.json("order.placed", "o-" + (i % 7), "{\"i\":" + i + "}").withHeader("trace", "t" + i)));
    }
    return ids;
  }

  Map<UUID, Long> effects() throws Exception {
    Map<UUID, Long> m = new HashMap<>();
    try (Connection c = db.db.adminDataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_id, count(*) FROM effects GROUP BY event_id")) {
      while (rs.next()) {
        m.put(rs.getObject(1, UUID.class), rs.getLong(2));
      }
    }
    return m;
  }

  void drain(OutboxPublisher publisher) throws Exception {
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, publisher).schema(db.schema).build();
    while (relay.runOnce() > 0) {
      // drain
    }
    relay.close();
    assertThat(db.adminCount("SELECT count(*) FROM outbox")).isZero();
  }

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

  @Test
  void rabbitMqConfirmsTheEventsAndTheInboxAppliesEachOnceEvenWhenDeliveredTwice() throws Exception {
    String[] names = Rabbit.declare("brokers");
    try {
      List<UUID> ids = appendSome(60);
      drain(OutboxPublishers.rabbitMq(Rabbit.uri(), names[0]));
      InMemoryOutboxPublisher capture = OutboxPublishers.inMemory();
      db.append(GLOBEX, OutboxEvent.json("order.placed", "o-dup", "{}"));
      drain(capture);
      try (OutboxPublisher p = OutboxPublishers.rabbitMq(Rabbit.uri(), names[0])) {
        assertThat(p.publish(capture.published())).isEmpty();
        assertThat(p.publish(capture.published())).isEmpty();
      }
      ids.add(capture.published().get(0).eventId());
      assertThat(Rabbit.messageCount(names[1])).isEqualTo(62);
      Inbox inbox = Inbox.builder(db.tenantDs, "billing").schema(db.schema).build();
      try (InboxConsumer consumer = inbox.consumeRabbitMq(Rabbit.uri(), names[1], EFFECT)) {
        OutboxRelayIT.awaitTrue(Duration.ofSeconds(30), () -> consumer.handled() + consumer.duplicates() >= 62);
        assertThat(consumer.handled()).isEqualTo(61);
        assertThat(consumer.duplicates()).isEqualTo(1);
      }
      Map<UUID, Long> effects = effects();
      assertThat(effects.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(effects.values()).containsOnly(1L);
    } finally {
      Rabbit.delete(names);
    }
  }
}
