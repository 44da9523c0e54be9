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

/**
 * Two relay processes publish while events are written; one of them is killed with SIGKILL every few hundred
 * milliseconds and restarted. Afterwards every committed event was published at least once, no event of a rolled-back
 * transaction ever was, and through the inbox every event had exactly one effect.
 */
abstract class CrashHarness {
  static final int TRANSACTIONS = Integer.getInteger("outbox.crash.transactions", 1000);
  static final int KILLS = Integer.getInteger("outbox.crash.kills", 4);

  OutboxDb db;

  @BeforeEach
  void setUp() {
    db = OutboxDb.create(true, 4);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  record Written(Set<UUID> committed, Set<UUID> rolledBack) {
  }

  void assertPublished(Written w, Map<UUID, Integer> seen) {
    assertThat(seen.keySet()).containsAll(w.committed());
    assertThat(seen.keySet()).doesNotContainAnyElementsOf(w.rolledBack());
    assertThat(seen.keySet()).hasSize(w.committed().size());
  }

  void assertExactlyOneEffect(Written w) throws Exception {
    Map<UUID, Long> effects = new HashMap<>();
    try (Connection c = db.db.adminDataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_id, count(*) FROM effects GROUP BY event_id")) {
      while (rs.next()) {
        effects.put(rs.getObject(1, UUID.class), rs.getLong(2));
      }
    }
    assertThat(effects.keySet()).containsExactlyInAnyOrderElementsOf(w.committed());
    assertThat(effects.values()).containsOnly(1L);
  }

  Written writeWhileKilling(String kind, String uri, String target) throws Exception {
    List<Process> relays = new ArrayList<>(List.of(startRelay(kind, uri, target), startRelay(kind, uri, target)));
    Set<UUID> committed = new HashSet<>();
    Set<UUID> rolledBack = new HashSet<>();
    Random random = new Random(42);
    int kills = 0;
    try {
      long nextKill = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
      for (int t = 0; t < TRANSACTIONS || kills < KILLS; t++) {
        TenantId tenant = TenantId.of("t" + random.nextInt(5));
        boolean rollback = random.nextInt(7) == 0;
        List<OutboxEvent> events = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
          events.add(OutboxEvent.json("order.placed", "o-" + random.nextInt(50), "{\"t\":" + t + "}"));
        }
        try (TenantScope s = TenantContext.open(tenant); Connection c = db.tenantDs.getConnection()) {
          c.setAutoCommit(false);
          List<UUID> ids = db.outbox.appendAll(c, events);
          if (rollback) {
            c.rollback();
            rolledBack.addAll(ids);
          } else {
            c.commit();
            committed.addAll(ids);
          }
        }
        if (System.nanoTime() > nextKill && kills < KILLS) {
          int victim = kills % 2;
          relays.get(victim).destroyForcibly().waitFor(10, TimeUnit.SECONDS);   // SIGKILL
          kills++;
          relays.set(victim, startRelay(kind, uri, target));
          nextKill = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + random.nextInt(400));
        }
      }
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(120), () -> {
        try {
          return db.adminCount("SELECT count(*) FROM outbox") == 0;
        } catch (java.sql.SQLException e) {
          throw new IllegalStateException(e);
        }
      });
    } finally {
      for (Process p : relays) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(kills).isEqualTo(KILLS);
    return new Written(committed, rolledBack);
  }

  private Process startRelay(String kind, String uri, String target) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p = new ProcessBuilder(java, "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
        RelayMain.class.getName(), db.relay.jdbcUrl(), kind, uri, target)
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains("READY")) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("relay process did not start: " + line);
      }
    }
    if (line == null) {
      throw new AssertionError("relay process exited before it was ready");
    }
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // keep the pipe from filling up
        }
      } catch (java.io.IOException e) {
        // the process is gone
      }
    });
    drain.setDaemon(true);
    drain.start();
    return p;
  }
}
