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
import org.junit.jupiter.api.Test;

/** The crash test with the Redis Streams publisher; see {@link CrashHarness}. */
class RedisCrashIT extends CrashHarness {
  @Test
  void redisStreams() throws Exception {
    try (TestRedis redis = TestRedis.create()) {
      String prefix = redis.key("crash:");
      Written w = writeWhileKilling("redis", redis.uri(), prefix);
      String stream = prefix + "order.placed";
      Map<UUID, Integer> seen = new HashMap<>();
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        for (StreamMessage<String, String> m : c.sync().xrange(stream, Range.create("-", "+"))) {
          seen.merge(UUID.fromString(m.getBody().get("tenancy-event-id")), 1, Integer::sum);
        }
      } finally {
        client.shutdown();
      }
      assertPublished(w, seen);
      Inbox inbox = Inbox.builder(db.tenantDs, "crash").schema(db.schema).build();
      int entries = seen.values().stream().mapToInt(Integer::intValue).sum();
      try (InboxConsumer consumer = inbox.consumeRedisStream(redis.uri(), stream, "crash", "c1",
          Duration.ofSeconds(5), BrokersHarness.EFFECT)) {
        OutboxRelayIT.awaitTrue(Duration.ofSeconds(120), () -> consumer.handled() + consumer.duplicates() >= entries);
        System.out.printf("crash test (redis): %d committed, %d rolled back, %d stream entries (%d duplicates),"
            + " inbox skipped %d%n", w.committed().size(), w.rolledBack().size(), entries,
            entries - seen.size(), consumer.duplicates());
      }
      assertExactlyOneEffect(w);
    }
  }

}
