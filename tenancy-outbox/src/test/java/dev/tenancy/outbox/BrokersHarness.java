package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Shared set-up of the broker tests: a database with the outbox schema and an effects table. */
abstract class BrokersHarness extends OutboxDbTests {
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

}
