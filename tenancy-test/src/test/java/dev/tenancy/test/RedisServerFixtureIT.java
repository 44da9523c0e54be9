package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

class RedisServerFixtureIT {

  @Test
  void aPrivateServerStopsAndComesBackEmptyOnTheSamePort() {
    try (TestRedisServer server = TestRedisServer.start()) {
      assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
      RedisClient client = RedisClient.create(server.uri());
      try {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
          c.sync().set("k", "v");
          assertThat(c.sync().get("k")).isEqualTo("v");
        }
        server.stop();
        assertThatThrownBy(client::connect).isInstanceOf(RedisConnectionException.class);
        server.restart();
        int port = server.port();
        try (StatefulRedisConnection<String, String> c = client.connect()) {
          assertThat(c.sync().get("k")).isNull();
          assertThat(c.sync().dbsize()).isZero();
        }
        assertThat(server.port()).isEqualTo(port);
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void closeKillsTheServer() {
    TestRedisServer server = TestRedisServer.start();
    server.close();
    server.close();
    RedisClient client = RedisClient.create(server.uri());
    try {
      assertThatThrownBy(client::connect).isInstanceOf(RedisConnectionException.class);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void twoServersAreIndependent() {
    try (TestRedisServer a = TestRedisServer.start(); TestRedisServer b = TestRedisServer.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      a.stop();
      RedisClient client = RedisClient.create(b.uri());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
      } finally {
        client.shutdown();
      }
    }
  }
}
