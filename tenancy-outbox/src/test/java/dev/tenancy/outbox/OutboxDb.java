package dev.tenancy.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/** A fresh database with the outbox schema, an application role and a relay role. */
final class OutboxDb implements AutoCloseable {
  final TestDatabase db;
  final TestRole app;
  final TestRole relay;
  final OutboxSchema schema;
  final HikariDataSource appPool;
  final TenantDataSource tenantDs;
  final DataSource relayDs;
  final Outbox outbox;

  private OutboxDb(boolean notifications, int poolSize) {
    db = TestDatabase.create();
    app = db.createRole("app");
    relay = db.createRole("relay");
    schema = OutboxSchema.builder().appRole(app.name()).relayRole(relay.name()).notifications(notifications).build();
    db.execute(schema.statements().toArray(String[]::new));
    db.execute("CREATE TABLE effects (tenant_id text NOT NULL, event_id uuid NOT NULL, consumer text NOT NULL)",
        "GRANT SELECT, INSERT ON effects TO " + app.name());
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(app.jdbcUrl());
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(1);
    hc.setPoolName("app-" + db.name());
    appPool = new HikariDataSource(hc);
    tenantDs = TenantDataSource.wrap(appPool);
    relayDs = relay.dataSource();
    outbox = Outbox.builder(tenantDs).schema(schema).build();
  }

  static OutboxDb create() {
    return new OutboxDb(true, 4);
  }

  static OutboxDb create(boolean notifications, int poolSize) {
    return new OutboxDb(notifications, poolSize);
  }

  /** Appends events for {@code tenant} in one committed transaction. */
  List<UUID> append(TenantId tenant, List<OutboxEvent> events) throws SQLException {
    try (TenantScope s = TenantContext.open(tenant); Connection c = tenantDs.getConnection()) {
      c.setAutoCommit(false);
      List<UUID> ids = outbox.appendAll(c, events);
      c.commit();
      return ids;
    }
  }

  UUID append(TenantId tenant, OutboxEvent event) throws SQLException {
    return append(tenant, List.of(event)).get(0);
  }

  long adminCount(String sql) throws SQLException {
    try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    appPool.close();
    db.close();
  }
}
