package dev.tenancy.outbox;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Appends events to the outbox in the caller's own transaction, so that an event commits or rolls back with the
 * business change that caused it.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.builder(tenantDataSource).build();
 * try (Connection c = tenantDataSource.getConnection()) {   // plain JDBC, HikariCP, Hibernate's Session.doWork
 *   c.setAutoCommit(false);
 *   insertInvoice(c, invoice);
 *   outbox.append(c, OutboxEvent.json("invoice.created", invoice.id(), json));
 *   c.commit();                                              // the event becomes visible to the relay here
 * }
 * }</pre>
 *
 * <p>The tenant is the one in {@link TenantContext}; the row is written with that tenant explicitly, so on a
 * connection bound to another tenant (or to none) the outbox table's row-level security rejects it (SQLState
 * {@code 42501}) instead of filing the event under the wrong tenant. Appending never commits: on an auto-commit
 * connection each append is its own transaction, which is allowed but loses the point of an outbox, so
 * {@link #append(Connection, OutboxEvent)} refuses it unless the builder allowed it. Thread-safe.
 */
public final class Outbox {

  /** The default payload limit: 256 KiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
  /** The largest payload limit that may be configured: 16 MiB. */
  public static final int MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

  private final DataSource dataSource;
  private final OutboxSchema schema;
  private final int maxPayloadBytes;
  private final boolean allowAutoCommit;
  private final String insert;

  private Outbox(Builder b) {
    this.dataSource = b.dataSource;
    this.schema = b.schema == null ? OutboxSchema.defaults() : b.schema;
    this.maxPayloadBytes = b.maxPayloadBytes == null ? DEFAULT_MAX_PAYLOAD_BYTES : b.maxPayloadBytes;
    this.allowAutoCommit = b.allowAutoCommit != null && b.allowAutoCommit;
    this.insert = "INSERT INTO " + schema.outboxTable()
        + " (tenant_id, event_id, topic, msg_key, content_type, headers, payload) VALUES (?, ?, ?, ?, ?, ?, ?)";
  }

  /**
   * Starts an outbox whose {@link #append(OutboxEvent)} takes connections from {@code dataSource}, normally a
   * tenant-binding {@code TenantDataSource}.
   *
   * @param dataSource the application's data source
   * @return a single-use builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Appends {@code event} for the current tenant on {@code connection}, inside the caller's transaction.
   *
   * @param connection a connection in a transaction ({@code autoCommit} off), bound to the current tenant
   * @param event the event
   * @return the event's id, which consumers see as {@link OutboxMessage#eventId()}
   * @throws SQLException if the insert fails; SQLState {@code 42501} means the connection is bound to another
   *     tenant than the context's
   * @throws dev.tenancy.NoTenantException if no tenant is in context
   * @throws IllegalArgumentException if the payload is larger than the configured limit
   * @throws IllegalStateException if the connection is in auto-commit mode and the builder did not allow it
   */
  public UUID append(Connection connection, OutboxEvent event) throws SQLException {
    return appendAll(connection, List.of(event)).get(0);
  }

  /**
   * Appends several events for the current tenant in one round trip, in list order (which is their order per key).
   *
   * @param connection a connection in a transaction, bound to the current tenant
   * @param events the events, at least one
   * @return their ids, in the same order
   * @throws SQLException if the insert fails
   * @throws dev.tenancy.NoTenantException if no tenant is in context
   * @throws IllegalArgumentException if {@code events} is empty or a payload is larger than the limit
   * @throws IllegalStateException if the connection is in auto-commit mode and the builder did not allow it
   */
  public List<UUID> appendAll(Connection connection, List<OutboxEvent> events) throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(events, "events");
    if (events.isEmpty()) {
      throw new IllegalArgumentException("events must not be empty");
    }
    TenantId tenant = TenantContext.require();
    for (OutboxEvent e : events) {
      int size = e.payloadLength();
      if (size > maxPayloadBytes) {
        throw new IllegalArgumentException("payload of " + e + " is " + size + " bytes; the limit is "
            + maxPayloadBytes + " (Outbox.Builder.maxPayloadBytes); store large content elsewhere and send a"
            + " reference");
      }
    }
    if (!allowAutoCommit && connection.getAutoCommit()) {
      throw new IllegalStateException("the connection is in auto-commit mode, so the event would commit on its"
          + " own; call connection.setAutoCommit(false) and commit with the business change, or allow it with"
          + " Outbox.Builder.allowAutoCommit(true)");
    }
    List<UUID> ids = new ArrayList<>(events.size());
    try (PreparedStatement ps = connection.prepareStatement(insert)) {
      for (OutboxEvent e : events) {
        UUID id = UUID.randomUUID();
        ids.add(id);
        ps.setString(1, tenant.value());
        ps.setObject(2, id);
        ps.setString(3, e.topic());
        ps.setString(4, e.key());
        ps.setString(5, e.contentType());
        Array headers = connection.createArrayOf("text", flatten(e.headers()));
        ps.setArray(6, headers);
        ps.setBytes(7, e.payloadUnsafe());
        if (events.size() == 1) {
          ps.executeUpdate();
        } else {
          ps.addBatch();
        }
      }
      if (events.size() > 1) {
        ps.executeBatch();
      }
    }
    return List.copyOf(ids);
  }

  /**
   * Appends {@code event} for the current tenant in a transaction of its own on a connection of the builder's data
   * source; for events that accompany no database change.
   *
   * @param event the event
   * @return the event's id
   * @throws SQLException if the connection or the insert fails
   * @throws dev.tenancy.NoTenantException if no tenant is in context
   */
  public UUID append(OutboxEvent event) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        UUID id = append(c, event);
        c.commit();
        return id;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    }
  }

  /**
   * The schema this outbox writes to.
   *
   * @return the schema
   */
  public OutboxSchema schema() {
    return schema;
  }

  static String[] flatten(Map<String, String> headers) {
    String[] flat = new String[headers.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      flat[i++] = h.getKey();
      flat[i++] = h.getValue();
    }
    return flat;
  }

  /**
   * Configures an {@link Outbox}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable OutboxSchema schema;
    private @Nullable Integer maxPayloadBytes;
    private @Nullable Boolean allowAutoCommit;
    private boolean built;

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * Sets the schema (table names); defaults to {@link OutboxSchema#defaults()}.
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
     * Sets the payload limit; defaults to {@value Outbox#DEFAULT_MAX_PAYLOAD_BYTES} bytes.
     *
     * @param bytes 1 to {@value Outbox#MAX_PAYLOAD_BYTES}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder maxPayloadBytes(int bytes) {
      Settings.checkUnset("maxPayloadBytes", maxPayloadBytes);
      if (bytes < 1 || bytes > MAX_PAYLOAD_BYTES) {
        throw new IllegalArgumentException("maxPayloadBytes must be 1 to " + MAX_PAYLOAD_BYTES + " but was " + bytes);
      }
      maxPayloadBytes = bytes;
      return this;
    }

    /**
     * Allows appending on auto-commit connections, where each event commits on its own (default: refused).
     *
     * @param allow whether to allow it
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder allowAutoCommit(boolean allow) {
      Settings.checkUnset("allowAutoCommit", allowAutoCommit);
      allowAutoCommit = allow;
      return this;
    }

    /**
     * Builds the outbox.
     *
     * @return the outbox
     * @throws IllegalStateException if called twice
     */
    public Outbox build() {
      Settings.checkBuilt(built);
      built = true;
      return new Outbox(this);
    }
  }
}
