package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRedis;
import dev.tenancy.test.TestRole;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.junit.jupiter.api.Test;

/** The examples of docs/outbox.md, run against real servers. */
class OutboxExamplesIT {

  @Test
  void theGuideRunsEndToEnd() throws Exception {
    try (TestDatabase db = TestDatabase.create(); TestRedis redis = TestRedis.create()) {
      TestRole appRole = db.createRole("app");
      TestRole relayRole = db.createRole("outbox_relay");
      String app = appRole.name();
      String relayRoleName = relayRole.name();
      // @start region="schema"
      OutboxSchema schema = OutboxSchema.builder()
          .appRole(app)                 // may append, use idempotency keys and the inbox, for its own tenant only
          .relayRole(relayRoleName)     // may read and publish every tenant's events, and nothing else
          .build();
      try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
        for (String sql : schema.statements()) {   // or write schema.sql() into a migration
          s.execute(sql);
        }
      }
      // @end region="schema"
      db.execute("CREATE TABLE invoices (tenant_id text NOT NULL DEFAULT current_setting('tenancy.tenant_id'),"
          + " id text NOT NULL, amount int NOT NULL)", "GRANT SELECT, INSERT ON invoices TO " + app,
          "CREATE TABLE payments (tenant_id text NOT NULL DEFAULT current_setting('tenancy.tenant_id'),"
          + " invoice text NOT NULL)", "GRANT SELECT, INSERT ON payments TO " + app);
      DataSource pool = appRole.dataSource();
      DataSource relayDataSource = relayRole.dataSource();
      String redisUri = redis.uri();
      String prefix = redis.key("events:");

      // @start region="append"
      DataSource tenantDataSource = TenantDataSource.wrap(pool);
      Outbox outbox = Outbox.builder(tenantDataSource).schema(schema).build();
      try (TenantScope scope = TenantContext.open(TenantId.of("acme"));
           Connection c = tenantDataSource.getConnection()) {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoices (id, amount) VALUES (?, ?)")) {
          ps.setString(1, "inv-1");
          ps.setInt(2, 4200);
          ps.executeUpdate();
        }
        outbox.append(c, OutboxEvent.json("invoice.created", "inv-1", "{\"id\":\"inv-1\",\"amount\":4200}")
            .withHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        c.commit();   // the invoice and its event commit together, or neither does
      }
      // @end region="append"

      // @start region="relay"
      OutboxRelay relay = OutboxRelay.builder(relayDataSource, OutboxPublishers.redisStreams(redisUri, prefix))
          .schema(schema)
          .workers(2)
          .weights(tenant -> tenant.value().startsWith("enterprise-") ? 4 : 1)   // weight by tier
          .maxAttempts(10)
          .backoff(Duration.ofSeconds(1), Duration.ofMinutes(5))
          .build();
      relay.start();
      // ... on shutdown:
      relay.close();   // lets batches in flight finish, then stops
      // @end region="relay"
      OutboxRelay drain = OutboxRelay.builder(relayDataSource, OutboxPublishers.redisStreams(redisUri, prefix))
          .schema(schema).build();
      while (drain.runOnce() > 0) {
        // publish what is left
      }
      drain.close();

      // @start region="inbox"
      Inbox inbox = Inbox.builder(tenantDataSource, "payments-service").schema(schema).build();
      InboxConsumer consumer = inbox.consumeRedisStream(redisUri, prefix + "invoice.created", "payments",
          "payments-1", Duration.ofSeconds(30), (connection, message) -> {
            try (PreparedStatement ps = connection.prepareStatement("INSERT INTO payments (invoice) VALUES (?)")) {
              ps.setString(1, message.key());
              ps.executeUpdate();   // runs once per event, however often the event is delivered
            }
          });
      // @end region="inbox"
      OutboxRelayIT.awaitTrue(Duration.ofSeconds(20), () -> consumer.handled() == 1);
      consumer.close();

      // @start region="idempotency"
      IdempotencyKeys keys = IdempotencyKeys.builder().schema(schema).retention(Duration.ofHours(24)).build();
      String body = "{\"invoice\":\"inv-1\",\"amount\":4200}";
      IdempotencyKeys.Request request = IdempotencyKeys.Request.of("user-17", "POST /payments", "8e03-k1", body);
      try (TenantScope scope = TenantContext.open(TenantId.of("acme"));
           Connection c = tenantDataSource.getConnection()) {
        c.setAutoCommit(false);
        IdempotencyKeys.Outcome outcome = keys.execute(c, request, tx -> {
          try (PreparedStatement ps = tx.prepareStatement("INSERT INTO payments (invoice) VALUES (?)")) {
            ps.setString(1, "inv-1");
            ps.executeUpdate();
          }
          return "{\"payment\":\"pay-1\"}".getBytes(StandardCharsets.UTF_8);   // stored with the effects
        });
        c.commit();
        // outcome.replayed() is true on a repeat; IdempotencyKeyMismatchException (422) for another body under
        // the same key, IdempotencyKeyInFlightException (409) while the first request is still running
      }
      // @end region="idempotency"
      try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
          java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM payments")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    }
  }

  // @start region="hibernate"
  static UUID appendWithHibernate(Session session, Outbox outbox, OutboxEvent event) {
    // Inside the session's transaction; the tenant comes from TenantContext, as with plain JDBC.
    return session.doReturningWork(connection -> outbox.append(connection, event));
  }
  // @end region="hibernate"

}
