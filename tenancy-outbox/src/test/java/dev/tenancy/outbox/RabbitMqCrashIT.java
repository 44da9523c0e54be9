package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import dev.tenancy.test.TenancyRabbitMq;
import org.junit.jupiter.api.Test;

/** The crash test with the RabbitMQ publisher; see {@link CrashHarness}. */
@TenancyRabbitMq
class RabbitMqCrashIT extends CrashHarness {
  @Test
  void rabbitMq() throws Exception {
    String[] names = Rabbit.declare("crash");
    try {
      Written w = writeWhileKilling("rabbitmq", Rabbit.uri(), names[0]);
      long messages = Rabbit.messageCount(names[1]);
      Inbox inbox = Inbox.builder(db.tenantDs, "crash").schema(db.schema).build();
      try (InboxConsumer consumer = inbox.consumeRabbitMq(Rabbit.uri(), names[1], BrokersHarness.EFFECT)) {
        OutboxRelayIT.awaitTrue(Duration.ofSeconds(120), () -> consumer.handled() + consumer.duplicates() >= messages);
        System.out.printf("crash test (rabbitmq): %d committed, %d rolled back, %d messages, inbox skipped %d%n",
            w.committed().size(), w.rolledBack().size(), messages, consumer.duplicates());
      }
      assertExactlyOneEffect(w);
    } finally {
      Rabbit.delete(names);
    }
  }

}
