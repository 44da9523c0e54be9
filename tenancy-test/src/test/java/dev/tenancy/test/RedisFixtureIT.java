package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.test.internal.RedisServerInfo;
import dev.tenancy.test.internal.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TenancyRedis
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisFixtureIT {
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static String firstPrefix;

  @BeforeAll
  static void connect(TestRedis classLevel) {
    // An independent connection, so the checks do not rely on the fixture's own one.
    client = RedisClient.create(classLevel.uri());
    connection = client.connect();
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @Test
  @Order(1)
  void aTestGetsAUniquePrefixAndWritesUnderIt(TestRedis redis) {
    assertThat(redis.keyPrefix()).matches("t-[0-9a-f]{16}:");
    assertThat(redis.key("a")).isEqualTo(redis.keyPrefix() + "a");
    RedisCommands<String, String> r = connection.sync();
    r.set(redis.key("a"), "1");
    r.hset(redis.key("h"), "f", "v");
    firstPrefix = redis.keyPrefix();
    assertThat(r.keys(firstPrefix + "*")).hasSize(2);
  }

  @Test
  @Order(2)
  void theNextTestHasAnotherPrefixAndThePreviousKeysAreGone(TestRedis redis) {
    assertThat(firstPrefix).as("first test ran").isNotNull();
    assertThat(redis.keyPrefix()).isNotEqualTo(firstPrefix);
    assertThat(connection.sync().keys(firstPrefix + "*")).isEmpty();
  }

  @Test
  @Order(3)
  void closingDeletesManyKeysAcrossScanPagesAndNothingElse(TestRedis other) {
    RedisCommands<String, String> r = connection.sync();
    other.close();
    r.set(other.key("survivor"), "x");
    TestRedis redis = TestRedis.create();
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 2500; i++) {
      many.put(redis.key("k" + i), "v");
    }
    r.mset(many);
    redis.close();
    assertThat(r.keys(redis.keyPrefix() + "*")).isEmpty();
    assertThat(r.get(other.key("survivor"))).isEqualTo("x");
    r.del(other.key("survivor"));
  }

  @Test
  @Order(4)
  void embeddedRedisStartsOnAFreeLoopbackPort() {
    RedisServerInfo server = RedisServers.startEmbedded();
    assertThat(server.uri()).startsWith("redis://127.0.0.1:");
    try (TestRedis redis = TestRedis.create(server)) {
      RedisCommands<String, String> r = server.connection().sync();
      r.set(redis.key("x"), "1");
      assertThat(r.get(redis.key("x"))).isEqualTo("1");
      assertThat(redis.port()).isNotEqualTo(6379);
    }
    assertThat(server.connection().sync().dbsize()).isZero();
  }
}
