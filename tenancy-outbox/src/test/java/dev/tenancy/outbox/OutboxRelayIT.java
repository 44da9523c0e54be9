package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OutboxRelayIT extends OutboxDbTests {
  static OutboxEvent event(String key, String body) {
    return OutboxEvent.json("invoice.created", key, "{\"n\":\"" + body + "\"}");
  }

  static String body(OutboxMessage m) {
    return new String(m.payload(), StandardCharsets.UTF_8);
  }

  static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void publishesCommittedEventsInOrderWithTheirTenantInContextAndNeverRolledBackOnes() throws Exception {
    List<UUID> committed = new ArrayList<>();
    committed.addAll(db.append(ACME, List.of(event("inv-1", "a1"), event("inv-1", "a2"), event("inv-2", "a3"))));
    committed.add(db.append(GLOBEX, event("inv-1", "g1")));
    UUID rolledBack;
    try (TenantScope s = TenantContext.open(ACME); Connection c = db.tenantDs.getConnection()) {
      c.setAutoCommit(false);
      rolledBack = db.outbox.append(c, event("inv-1", "never"));
      c.rollback();
    }
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    List<String> contexts = new CopyOnWriteArrayList<>();
    OutboxPublisher publisher = batch -> {
      contexts.add(TenantContext.current().map(TenantId::value).orElse("none") + "=" + batch.get(0).tenant().value());
      return memory.publish(batch);
    };
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, publisher).schema(db.schema).build();
    while (relay.runOnce() > 0) {
      // drain
    }
    List<OutboxMessage> out = memory.published();
    assertThat(out).extracting(OutboxMessage::eventId).containsExactlyInAnyOrderElementsOf(committed)
        .doesNotContain(rolledBack);
    List<String> acmeInv1 = out.stream().filter(m -> m.tenant().equals(ACME) && m.key().equals("inv-1"))
        .map(OutboxRelayIT::body).collect(Collectors.toList());
    assertThat(acmeInv1).containsExactly("{\"n\":\"a1\"}", "{\"n\":\"a2\"}");
    assertThat(contexts).allSatisfy(c -> assertThat(c.split("=")[0]).isEqualTo(c.split("=")[1]));
    assertThat(out.get(0).contentType()).isEqualTo(OutboxEvent.JSON);
    assertThat(db.adminCount("SELECT count(*) FROM outbox")).isZero();
  }

  @Test
  void aBatchCommitsWithoutWaitingForTheWalFlushUnlessToldToAndLeavesNothingOnTheConnection() throws Exception {
    for (boolean synchronous : new boolean[] {false, true}) {
      db.append(ACME, event("inv-1", "a" + synchronous));
      // The publisher runs on the relay's thread inside the batch's transaction: it reads the setting there. The
      // relay's connection is kept open past the relay's close(), as a pool would keep it, to look at it after.
      Connection physical = db.relayDs.getConnection();
      try (Statement st = physical.createStatement()) {
        st.execute("SET synchronous_commit = on"); // the connection's own value, whatever the server's default
      }
      Connection kept = (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> method.getName().equals("close") ? null
              : invoke(method, physical, args));
      javax.sql.DataSource pool = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
          getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class},
          (proxy, method, args) -> method.getName().equals("getConnection") ? kept : invoke(method, db.relayDs, args));
      List<String> inBatch = new ArrayList<>();
      OutboxPublisher publisher = batch -> {
        try {
          inBatch.add(show(kept));
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
        return Map.of();
      };
      OutboxRelay.Builder b = OutboxRelay.builder(pool, publisher).schema(db.schema);
      if (synchronous) {
        b.synchronousCommit(true);
      }
      try (physical) {
        assertThat(b.build().runOnce()).isEqualTo(1);
        assertThat(inBatch).containsExactly(synchronous ? "on" : "off");
        // Transaction-local: what the connection's next user sees is the connection's own value again.
        physical.setAutoCommit(true);
        assertThat(show(physical)).isEqualTo("on");
      }
    }
  }

  private static @org.jspecify.annotations.Nullable Object invoke(java.lang.reflect.Method method, Object target,
      Object @org.jspecify.annotations.Nullable [] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static String show(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void theGuidesHibernateAppendCommitsAndRollsBackWithTheSessionsTransaction() throws Exception {
    org.hibernate.cfg.Configuration configuration = new org.hibernate.cfg.Configuration();
    configuration.getProperties().putAll(dev.tenancy.jdbc.hibernate.TenancyHibernate.settings(db.tenantDs));
    configuration.setProperty("hibernate.hbm2ddl.auto", "none");
    UUID committed;
    UUID rolledBack;
    try (org.hibernate.SessionFactory sessions = configuration.buildSessionFactory();
         TenantScope scope = TenantContext.open(ACME);
         org.hibernate.Session session = sessions.openSession()) {
      org.hibernate.Transaction tx = session.beginTransaction();
      session.createNativeMutationQuery("INSERT INTO effects (tenant_id, event_id, consumer) VALUES"
          + " ('acme', gen_random_uuid(), 'hibernate-committed')").executeUpdate();
      committed = OutboxExamplesIT.appendWithHibernate(session, db.outbox, event("inv-h", "committed"));
      tx.commit();
      tx = session.beginTransaction();
      session.createNativeMutationQuery("INSERT INTO effects (tenant_id, event_id, consumer) VALUES"
          + " ('acme', gen_random_uuid(), 'hibernate-rolled-back')").executeUpdate();
      rolledBack = OutboxExamplesIT.appendWithHibernate(session, db.outbox, event("inv-h", "rolled back"));
      tx.rollback();
    }
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).build();
    assertThat(relay.runOnce()).isEqualTo(1);
    assertThat(memory.published()).extracting(OutboxMessage::eventId).containsExactly(committed)
        .doesNotContain(rolledBack);
    assertThat(memory.published().get(0).tenant()).isEqualTo(ACME);
    assertThat(db.adminCount("SELECT count(*) FROM effects WHERE consumer = 'hibernate-committed'")).isEqualTo(1);
    assertThat(db.adminCount("SELECT count(*) FROM effects WHERE consumer = 'hibernate-rolled-back'")).isZero();
  }

  @Test
  void theAppRoleSeesAndWritesOnlyItsTenantsEventsWhileTheRelayRoleSeesAll() throws Exception {
    db.append(ACME, event("k", "a"));
    db.append(GLOBEX, event("k", "g"));
    try (TenantScope s = TenantContext.open(ACME); Connection c = db.tenantDs.getConnection();
        Statement st = c.createStatement()) {
      c.setAutoCommit(false);
      try (ResultSet rs = st.executeQuery("SELECT tenant_id FROM outbox")) {
        List<String> seen = new ArrayList<>();
        while (rs.next()) {
          seen.add(rs.getString(1));
        }
        assertThat(seen).containsExactly("acme");
      }
      c.commit();
    }
    // The context says acme but the connection is bound to globex: RLS rejects the row instead of misfiling it.
    try (Connection c = db.tenantDs.getConnection()) {
      c.setAutoCommit(false);
      try (TenantScope g = TenantContext.open(GLOBEX); Statement st = c.createStatement()) {
        st.execute("SELECT 1 FROM outbox LIMIT 1");   // binds globex to this transaction
      }
      try (Connection raw = db.app.dataSource().getConnection()) {
        raw.setAutoCommit(false);
        try (TenantScope a = TenantContext.open(ACME)) {
          assertThatThrownBy(() -> db.outbox.append(raw, event("k", "x")))
              .isInstanceOf(SQLException.class)
              .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
        }
      }
      c.rollback();
    }
    // The app role cannot read anyone's parked events without a tenant, nor the relay policy's rows.
    try (Connection raw = db.app.dataSource().getConnection(); Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM outbox")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
    try (Connection relay = db.relayDs.getConnection(); Statement st = relay.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM outbox")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(2);
    }
    // The relay role is granted the outbox tables only.
    try (Connection relay = db.relayDs.getConnection(); Statement st = relay.createStatement()) {
      assertThatThrownBy(() -> st.executeQuery("SELECT count(*) FROM effects"))
          .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }
  }

  @Test
  void appendRefusesAutoCommitOversizedPayloadsAndMissingTenant() throws Exception {
    try (Connection c = db.tenantDs.getConnection()) {
      assertThatThrownBy(() -> db.outbox.append(c, event("k", "x")))
          .isInstanceOf(dev.tenancy.NoTenantException.class);
      try (TenantScope s = TenantContext.open(ACME)) {
        assertThatThrownBy(() -> db.outbox.append(c, event("k", "x")))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("setAutoCommit(false)");
        c.setAutoCommit(false);
        Outbox small = Outbox.builder(db.tenantDs).schema(db.schema).maxPayloadBytes(10).build();
        assertThatThrownBy(() -> small.append(c, event("k", "this is longer than ten bytes")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit is 10");
        c.rollback();
      }
    }
  }

  @Test
  void aPoisonEventIsParkedAfterItsAttemptsWhileOtherKeysAndTenantsFlowAndCanBeReplayed() throws Exception {
    UUID poison = db.append(ACME, event("bad", "poison"));
    List<UUID> behindPoison = db.append(ACME, List.of(event("bad", "after-1"), event("bad", "after-2")));
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    memory.failWhen(m -> m.eventId().equals(poison));
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).maxAttempts(4)
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).build();
    relay.start();
    try {
      // While the poison event is retried, other keys of the same tenant and other tenants keep flowing.
      List<UUID> others = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        others.add(db.append(ACME, event("good-" + i, "g")));
        others.add(db.append(GLOBEX, event("bad", "other-tenant-same-key")));
        Thread.sleep(10);
      }
      awaitTrue(Duration.ofSeconds(20), () -> memory.published().stream().map(OutboxMessage::eventId)
          .collect(Collectors.toSet()).containsAll(others));
      // still being retried: the three waits before parking take at least 0.5 + 1 + 1.5 s
      assertThat(db.adminCount("SELECT count(*) FROM outbox_parked")).isZero();
      assertThat(memory.published()).extracting(OutboxMessage::eventId).doesNotContainAnyElementsOf(behindPoison);
      awaitTrue(Duration.ofSeconds(20), () -> count("SELECT count(*) FROM outbox_parked") == 1);
      awaitTrue(Duration.ofSeconds(20), () -> memory.published().stream().map(OutboxMessage::eventId)
          .collect(Collectors.toSet()).containsAll(behindPoison));
      try (Connection c = db.db.adminDataSource().getConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT event_id, attempts, last_error FROM outbox_parked")) {
        rs.next();
        assertThat(rs.getObject(1, UUID.class)).isEqualTo(poison);
        assertThat(rs.getInt(2)).isEqualTo(4);   // attempts
        assertThat(rs.getString(3)).contains("configured to fail");
      }
      memory.failWhen(m -> false);
      assertThat(relay.replay(ACME, poison)).isTrue();
      awaitTrue(Duration.ofSeconds(20), () -> memory.published().stream()
          .anyMatch(m -> m.eventId().equals(poison)));
      assertThat(db.adminCount("SELECT count(*) FROM outbox_parked")).isZero();
    } finally {
      relay.close();
    }
  }

  private long count(String sql) {
    try {
      return db.adminCount(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void manySmallBacklogsShareOneTransactionButNeverABatchAndALockedTenantIsLeftToItsHolder() throws Exception {
    List<TenantId> tenants = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TenantId t = TenantId.of("small-" + i);
      tenants.add(t);
      db.append(t, List.of(event("k", t.value() + "-1"), event("k", t.value() + "-2")));
    }
    TenantId locked = tenants.get(7);
    // The relay's lock key for a tenant; another relay process holding it must keep this one off the tenant.
    try (Connection holder = db.db.adminDataSource().getConnection(); Statement st = holder.createStatement()) {
      st.execute("SELECT pg_advisory_lock(hashtextextended('tenancy-outbox:" + db.schema.outboxTable() + ":"
          + locked.value() + "', 0))");
      java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
      javax.sql.DataSource counting = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
          getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
            Object result = invoke(method, db.relayDs, args);
            if (!(result instanceof Connection c)) {
              return result;
            }
            return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (p2, m2, a2) -> {
                  if (m2.getName().equals("commit")) {
                    commits.incrementAndGet();
                  }
                  return invoke(m2, c, a2);
                });
          });
      List<String> batches = new CopyOnWriteArrayList<>();
      InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
      OutboxPublisher publisher = batch -> {
        String context = TenantContext.current().map(TenantId::value).orElse("none");
        assertThat(batch).allSatisfy(m -> assertThat(m.tenant().value()).isEqualTo(context));
        batches.add(context);
        return memory.publish(batch);
      };
      // Shares of 10 in a cap of 300: all thirty tenants fit in one claim.
      OutboxRelay relay = OutboxRelay.builder(counting, publisher).schema(db.schema).quantum(10).maxClaim(300)
          .build();
      assertThat(relay.runOnce()).isEqualTo(58);
      assertThat(commits.get()).as("the discovery's commit and one batch's").isEqualTo(2);
      assertThat(batches).hasSize(29).doesNotHaveDuplicates().doesNotContain(locked.value());
      assertThat(memory.published()).noneMatch(m -> m.tenant().equals(locked));
      st.execute("SELECT pg_advisory_unlock_all()");
      assertThat(relay.runOnce()).isEqualTo(2);
      assertThat(memory.published()).filteredOn(m -> m.tenant().equals(locked)).extracting(OutboxRelayIT::body)
          .containsExactly("{\"n\":\"small-7-1\"}", "{\"n\":\"small-7-2\"}");
    }
  }

  @Test
  void notificationsWakeTheRelayLongBeforeThePollInterval() throws Exception {
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, memory).schema(db.schema)
        .pollInterval(Duration.ofSeconds(30)).build();
    relay.start();
    try {
      Thread.sleep(500);   // the LISTEN is in place and the first poll found nothing
      long t0 = System.nanoTime();
      UUID id = db.append(ACME, event("k", "wake"));
      awaitTrue(Duration.ofSeconds(10), () -> memory.published().stream().anyMatch(m -> m.eventId().equals(id)));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).as("woken by NOTIFY, not by the 30 s poll").isLessThan(10_000);
      long closing = System.nanoTime();
      relay.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close() does not wait out the 30 s poll")
          .isLessThan(Duration.ofSeconds(5));
    } finally {
      relay.close();
    }
  }

  @Test
  void twoRelaysPublishEveryEventOnceInPerKeyOrder() throws Exception {
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    OutboxRelay r1 = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).workers(2).quantum(7)
        .pollInterval(Duration.ofMillis(10)).build();
    OutboxRelay r2 = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).workers(2).quantum(5)
        .pollInterval(Duration.ofMillis(10)).build();
    r1.start();
    r2.start();
    Map<String, List<UUID>> appended = new HashMap<>();
    try {
      for (int i = 0; i < 60; i++) {
        TenantId t = i % 2 == 0 ? ACME : GLOBEX;
        List<OutboxEvent> events = new ArrayList<>();
        for (int j = 0; j < 5; j++) {
          events.add(event("k" + ((i + j) % 3), i + "-" + j));
        }
        List<UUID> ids = db.append(t, events);
        for (int j = 0; j < 5; j++) {
          appended.computeIfAbsent(t.value() + "/" + events.get(j).key(), x -> new ArrayList<>()).add(ids.get(j));
        }
      }
      awaitTrue(Duration.ofSeconds(30), () -> memory.published().size() >= 300);
    } finally {
      r1.close();
      r2.close();
    }
    Map<String, List<UUID>> published = new HashMap<>();
    for (OutboxMessage m : memory.published()) {
      published.computeIfAbsent(m.tenant().value() + "/" + m.key(), x -> new ArrayList<>()).add(m.eventId());
    }
    assertThat(published).isEqualTo(appended);
  }

  @Test
  void metricsReportPublicationsFailuresParkingAndBacklog() throws Exception {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    UUID bad = db.append(ACME, event("bad", "x"));
    db.append(ACME, event("good", "y"));
    InMemoryOutboxPublisher memory = OutboxPublishers.inMemory();
    memory.failWhen(m -> m.eventId().equals(bad));
    OutboxRelay relay = OutboxRelay.builder(db.relayDs, memory).schema(db.schema).maxAttempts(1)
        .cleanupInterval(Duration.ofMillis(200)).openTelemetry(otel).build();
    relay.start();
    try {
      awaitTrue(Duration.ofSeconds(10), () -> count("SELECT count(*) FROM outbox_parked") == 1);
      Thread.sleep(600);
      Collection<MetricData> metrics = reader.collectAllMetrics();
      Map<String, MetricData> byName = metrics.stream().collect(Collectors.toMap(MetricData::getName, m -> m));
      assertThat(byName).containsKeys("tenancy.outbox.published", "tenancy.outbox.publish.failures",
          "tenancy.outbox.parked", "tenancy.outbox.publish.latency", "tenancy.outbox.backlog",
          "tenancy.outbox.backlog.age", "tenancy.outbox.parked.size");
      assertThat(byName.get("tenancy.outbox.published").getLongSumData().getPoints().iterator().next().getValue())
          .isEqualTo(1);
      assertThat(byName.get("tenancy.outbox.parked").getLongSumData().getPoints().iterator().next().getValue())
          .isEqualTo(1);
      assertThat(byName.get("tenancy.outbox.parked.size").getLongGaugeData().getPoints().iterator().next()
          .getValue()).isEqualTo(1);
    } finally {
      relay.close();
    }
  }
}
