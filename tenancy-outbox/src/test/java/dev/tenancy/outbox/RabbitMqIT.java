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
import dev.tenancy.test.TenancyRabbitMq;
import org.junit.jupiter.api.Test;

/** The RabbitMQ publisher (with confirms) and inbox consumer against a real RabbitMQ. */
@TenancyRabbitMq
class RabbitMqIT extends BrokersHarness {
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
