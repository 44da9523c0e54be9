package dev.tenancy.outbox;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The idempotent-consumer side: records (tenant, consumer, event id) in the same transaction as the handler's
 * effects, so that a redelivered event has no second effect.
 *
 * <pre>{@code
 * Inbox inbox = Inbox.builder(tenantDataSource, "billing").build();
 * boolean applied = inbox.process(message, (connection, m) -> applyPayment(connection, m));
 * }</pre>
 *
 * <p>{@link #process} opens the message's tenant scope, takes a connection from the (tenant-binding) data source,
 * inserts the inbox record and runs the handler in one transaction. A duplicate finds the record and skips the
 * handler; a concurrent duplicate waits for the first transaction and then skips (or runs, if the first rolled
 * back). A handler that throws rolls everything back, so the event can be delivered again. Delivery to the inbox
 * is at least once from {@link #consumeRedisStream} and {@link #consumeRabbitMq}; with the inbox the effect is
 * exactly once. Thread-safe.
 */
public final class Inbox {
  private static final Pattern CONSUMER = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  private final DataSource dataSource;
  private final String consumer;
  private final OutboxSchema schema;
  private final String insertSql;

  private Inbox(Builder b) {
    this.dataSource = b.dataSource;
    this.consumer = b.consumer;
    this.schema = b.schema == null ? OutboxSchema.defaults() : b.schema;
    this.insertSql = "INSERT INTO " + schema.inboxTable() + " (tenant_id, consumer, event_id) VALUES (?, ?, ?)"
        + " ON CONFLICT DO NOTHING";
  }

  /**
   * Starts an inbox for one consumer (one logical subscriber; each has its own de-duplication).
   *
   * @param dataSource the application's tenant-binding data source, where the handler's effects go
   * @param consumer the consumer's name, 1 to 100 letters, digits and {@code . _ : -}
   * @return a single-use builder
   * @throws IllegalArgumentException if the name is invalid
   */
  public static Builder builder(DataSource dataSource, String consumer) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(consumer, "consumer");
    if (!CONSUMER.matcher(consumer).matches()) {
      throw new IllegalArgumentException("consumer must be 1 to 100 letters, digits and . _ : - but was '"
          + OutboxEvent.printable(consumer) + "'");
    }
    return new Builder(dataSource, consumer);
  }

  /**
   * Records that this consumer handles {@code message}, in the caller's transaction; run the effects only when it
   * returns true.
   *
   * @param connection a connection in a transaction, bound to the message's tenant
   * @param message the message
   * @return true the first time, false for a duplicate
   * @throws SQLException if the insert fails (SQLState {@code 42501} if the connection is bound to another tenant)
   */
  public boolean record(Connection connection, OutboxMessage message) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
      ps.setString(1, message.tenant().value());
      ps.setString(2, consumer);
      ps.setObject(3, message.eventId());
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * Handles {@code message} exactly once: in its tenant's scope and one transaction, records it and runs the
   * handler, or skips a duplicate.
   *
   * @param message the message
   * @param handler the effects
   * @return true if the handler ran, false for a duplicate
   * @throws Exception what the handler or the database threw; the transaction was rolled back
   */
  public boolean process(OutboxMessage message, Handler handler) throws Exception {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(handler, "handler");
    try (TenantScope ignored = TenantContext.open(message.tenant()); Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        boolean first = record(c, message);
        if (first) {
          handler.handle(c, message);
        }
        c.commit();
        return first;
      } catch (Exception e) {
        try {
          c.rollback();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      }
    }
  }

  /**
   * Consumes a Redis stream written by {@link OutboxPublishers#redisStreams} in a consumer group, on a thread of
   * its own: reads new entries ({@code XREADGROUP}), handles each through {@link #process}, acknowledges it
   * ({@code XACK}) after the commit, and reclaims entries another consumer left pending longer than
   * {@code reclaimAfter} ({@code XAUTOCLAIM}) — for example because it crashed. The group is created (from the
   * stream's start) if missing.
   *
   * @param redisUri for example {@code redis://127.0.0.1:6379}
   * @param streamKey the stream, {@code streamPrefix + topic}
   * @param group the consumer group
   * @param consumerName this process's name in the group
   * @param reclaimAfter how long an entry may stay pending before another consumer takes it over
   * @param handler the effects
   * @return the running consumer; close it to stop
   * @throws IllegalArgumentException if {@code reclaimAfter} is not positive
   */
  public InboxConsumer consumeRedisStream(String redisUri, String streamKey, String group, String consumerName,
      Duration reclaimAfter, Handler handler) {
    return new RedisStreamConsumer(this, redisUri, streamKey, group, consumerName,
        Settings.positive("reclaimAfter", reclaimAfter), handler);
  }

  /**
   * Consumes a RabbitMQ queue fed by {@link OutboxPublishers#rabbitMq}: each delivery is handled through
   * {@link #process} and acknowledged after the commit; a failure is negatively acknowledged and requeued.
   *
   * @param amqpUri for example {@code amqp://guest:guest@127.0.0.1:5672}
   * @param queue an existing queue
   * @param handler the effects
   * @return the running consumer; close it to stop
   * @throws java.io.UncheckedIOException if RabbitMQ cannot be reached
   */
  public InboxConsumer consumeRabbitMq(String amqpUri, String queue, Handler handler) {
    return new RabbitMqConsumer(this, amqpUri, queue, handler);
  }

  /**
   * The consumer name.
   *
   * @return the name given to the builder
   */
  public String consumer() {
    return consumer;
  }

  /** The effects of one event. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Applies the event on {@code connection}, in the inbox's transaction; do not commit.
     *
     * @param connection the transaction's connection, bound to the message's tenant
     * @param message the event
     * @throws Exception to roll back and have the event delivered again
     */
    void handle(Connection connection, OutboxMessage message) throws Exception;
  }

  /**
   * Configures an {@link Inbox}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final String consumer;
    private @Nullable OutboxSchema schema;
    private boolean built;

    private Builder(DataSource dataSource, String consumer) {
      this.dataSource = dataSource;
      this.consumer = consumer;
    }

    /**
     * Sets the schema (the inbox table's name); defaults to {@link OutboxSchema#defaults()}.
     *
     * @param schema the schema the tables were created from
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder schema(OutboxSchema schema) {
      Settings.checkUnset("schema", this.schema);
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * Builds the inbox.
     *
     * @return the inbox
     * @throws IllegalStateException if called twice
     */
    public Inbox build() {
      Settings.checkBuilt(built);
      built = true;
      return new Inbox(this);
    }
  }
}
