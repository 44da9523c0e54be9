package dev.tenancy.outbox;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Idempotency keys with the semantics of the IETF {@code Idempotency-Key} header draft (-07) and Stripe: a request
 * carrying a key executes once; repeats get the first execution's stored response.
 *
 * <pre>{@code
 * IdempotencyKeys keys = IdempotencyKeys.builder().build();
 * IdempotencyKeys.Request request = IdempotencyKeys.Request.of(userId, "POST /payments", headerKey, requestBody);
 * try (Connection c = tenantDataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   IdempotencyKeys.Outcome outcome = keys.execute(c, request, tx -> charge(tx, payment));
 *   c.commit();              // the effects and the stored response commit together
 *   return outcome.response();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Keys are scoped by tenant (from {@link TenantContext}), principal and operation: the same key string of two
 *       users, two operations or two tenants never collides.</li>
 *   <li>The request's fingerprint (SHA-256 of its body, by {@link Request#of}) is stored with the key; the same key
 *       with another fingerprint fails with {@link IdempotencyKeyMismatchException} (HTTP 422).</li>
 *   <li>The action runs in the caller's transaction and its response is inserted in that transaction, so effects
 *       and response commit or roll back together. A repeat after the commit returns the stored response
 *       ({@link Outcome#replayed()} is true) without running the action.</li>
 *   <li>While a first request is in flight (its transaction is open), a duplicate fails at once with
 *       {@link IdempotencyKeyInFlightException} (HTTP 409) instead of waiting; it is detected with a
 *       transaction-scoped advisory lock on a 64-bit hash of the scope and key.</li>
 *   <li>A first attempt whose action throws, or whose transaction rolls back, leaves nothing behind: the key is not
 *       poisoned and a retry executes.</li>
 *   <li>Keys expire after the retention (24 h by default); the relay's cleanup deletes them, and an expired key is
 *       treated as new.</li>
 * </ul>
 * Use READ COMMITTED (PostgreSQL's default), so that the look-up after the lock sees a first request committed
 * just before. Thread-safe.
 */
public final class IdempotencyKeys {

  /** The default retention of a key: 24 hours. */
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

  private final OutboxSchema schema;
  private final Duration retention;
  private final String lockSql = "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))";
  private final String selectSql;
  private final String deleteSql;
  private final String insertSql;

  private IdempotencyKeys(Builder b) {
    this.schema = b.schema == null ? OutboxSchema.defaults() : b.schema;
    this.retention = b.retention == null ? DEFAULT_RETENTION : b.retention;
    String t = schema.idempotencyTable();
    String where = " WHERE tenant_id = ? AND principal = ? AND operation = ? AND idempotency_key = ?";
    selectSql = "SELECT fingerprint, response, expires_at > now() FROM " + t + where;
    deleteSql = "DELETE FROM " + t + where;
    insertSql = "INSERT INTO " + t + " (tenant_id, principal, operation, idempotency_key, fingerprint, response,"
        + " expires_at) VALUES (?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?))";
  }

  /**
   * Starts a configuration with the default table and a 24-hour retention.
   *
   * @return a single-use builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code action} once per key: the first time for real, later from the stored response.
   *
   * @param connection a connection in a transaction ({@code autoCommit} off), bound to the current tenant; the
   *     caller commits
   * @param request the key, its scope and the request's fingerprint
   * @param action the request's effects, run on {@code connection}; returns the response to store
   * @return the response, fresh or replayed
   * @throws IdempotencyKeyInFlightException if a request with the same key is in flight in another transaction
   * @throws IdempotencyKeyMismatchException if the key was used with another request fingerprint
   * @throws SQLException if the database or the action fails; roll back, the key stays unused
   * @throws dev.tenancy.NoTenantException if no tenant is in context
   * @throws IllegalStateException if the connection is in auto-commit mode
   */
  public Outcome execute(Connection connection, Request request, Action action) throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(action, "action");
    TenantId tenant = TenantContext.require();
    if (connection.getAutoCommit()) {
      throw new IllegalStateException("idempotent execution needs a transaction so that the response commits with"
          + " the effects; call connection.setAutoCommit(false) first");
    }
    try (PreparedStatement ps = connection.prepareStatement(lockSql)) {
      // Length-prefixed parts: no two scopes render to the same text, whatever characters they contain.
      ps.setString(1, tenant.value().length() + ":" + tenant.value() + request.principal().length() + ":"
          + request.principal() + request.operation().length() + ":" + request.operation() + request.key());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw new IdempotencyKeyInFlightException(request.key(), request.operation());
        }
      }
    }
    boolean expired = false;
    try (PreparedStatement ps = connection.prepareStatement(selectSql)) {
      bindScope(ps, tenant, request);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (rs.getBoolean(3)) {
            if (!MessageDigest.isEqual(rs.getBytes(1), request.fingerprintUnsafe())) {
              throw new IdempotencyKeyMismatchException(request.key(), request.operation());
            }
            return new Outcome(rs.getBytes(2), true);
          }
          expired = true;
        }
      }
    }
    if (expired) {
      try (PreparedStatement ps = connection.prepareStatement(deleteSql)) {
        bindScope(ps, tenant, request);
        ps.executeUpdate();
      }
    }
    byte[] response = Objects.requireNonNull(action.run(connection), "the action returned null; return an empty"
        + " array for no response");
    try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
      bindScope(ps, tenant, request);
      ps.setBytes(5, request.fingerprintUnsafe());
      ps.setBytes(6, response);
      ps.setDouble(7, retention.toNanos() / 1e9);
      ps.executeUpdate();
    }
    return new Outcome(response, false);
  }

  private static void bindScope(PreparedStatement ps, TenantId tenant, Request r) throws SQLException {
    ps.setString(1, tenant.value());
    ps.setString(2, r.principal());
    ps.setString(3, r.operation());
    ps.setString(4, r.key());
  }

  /** The effects of a request, run once per idempotency key. */
  @FunctionalInterface
  public interface Action {
    /**
     * Performs the request on the caller's connection and transaction.
     *
     * @param connection the connection passed to {@link IdempotencyKeys#execute}
     * @return the response to store and replay (bytes of your choosing, for example the serialised HTTP body)
     * @throws SQLException if the request fails; nothing is stored
     */
    byte[] run(Connection connection) throws SQLException;
  }

  /**
   * An idempotent request: the key, the scope it is unique in, and the request's fingerprint.
   *
   * @param principal who sends the request (user or API client id), 1 to 200 characters
   * @param operation what the request does (for example {@code "POST /payments"}), 1 to 200 characters
   * @param key the client's idempotency key, 1 to 255 characters
   * @param fingerprint a digest of the request that must be equal on a legitimate repeat, 1 to 64 bytes
   */
  public record Request(String principal, String operation, String key, byte[] fingerprint) {

    /**
     * Validates and copies the components.
     *
     * @param principal who sends the request
     * @param operation what the request does
     * @param key the client's idempotency key
     * @param fingerprint a digest of the request
     * @throws IllegalArgumentException if a component is empty or too long
     */
    public Request {
      length("principal", principal, 200);
      length("operation", operation, 200);
      length("key", key, 255);
      Objects.requireNonNull(fingerprint, "fingerprint");
      if (fingerprint.length < 1 || fingerprint.length > 64) {
        throw new IllegalArgumentException("fingerprint must be 1 to 64 bytes but was " + fingerprint.length);
      }
      fingerprint = fingerprint.clone();
    }

    /**
     * A request whose fingerprint is the SHA-256 of {@code body} (include whatever makes two requests "the same":
     * the body, and if you like the method and path).
     *
     * @param principal who sends the request
     * @param operation what the request does
     * @param key the client's idempotency key
     * @param body the request content to fingerprint
     * @return the request
     * @throws IllegalArgumentException if a component is empty or too long
     */
    public static Request of(String principal, String operation, String key, byte[] body) {
      Objects.requireNonNull(body, "body");
      try {
        return new Request(principal, operation, key, MessageDigest.getInstance("SHA-256").digest(body));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    /**
     * {@link #of(String, String, String, byte[])} with a string body, as UTF-8.
     *
     * @param principal who sends the request
     * @param operation what the request does
     * @param key the client's idempotency key
     * @param body the request content to fingerprint
     * @return the request
     * @throws IllegalArgumentException if a component is empty or too long
     */
    public static Request of(String principal, String operation, String key, String body) {
      return of(principal, operation, key, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A copy of the fingerprint.
     *
     * @return the fingerprint bytes
     */
    @Override
    public byte[] fingerprint() {
      return fingerprint.clone();
    }

    byte[] fingerprintUnsafe() {
      return fingerprint;
    }

    /**
     * Compares all components, the fingerprint by content.
     *
     * @param o the object to compare with
     * @return whether it is equal to this
     */
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Request r && principal.equals(r.principal) && operation.equals(r.operation)
          && key.equals(r.key) && Arrays.equals(fingerprint, r.fingerprint);
    }

    /**
     * Hashes all components, the fingerprint by content.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
      return Objects.hash(principal, operation, key, Arrays.hashCode(fingerprint));
    }

    /**
     * Shows the scope and key.
     *
     * @return the description
     */
    @Override
    public String toString() {
      return "Request[principal=" + principal + ", operation=" + operation + ", key=" + key + "]";
    }

    private static void length(String what, String value, int max) {
      Objects.requireNonNull(value, what);
      if (value.isEmpty() || value.length() > max) {
        throw new IllegalArgumentException(what + " must be 1 to " + max + " characters but was '"
            + OutboxEvent.printable(value) + "' (length " + value.length() + ")");
      }
    }
  }

  /**
   * The response of an idempotent execution.
   *
   * @param response the stored response bytes
   * @param replayed true when this is a repeat and the action did not run
   */
  public record Outcome(byte[] response, boolean replayed) {

    /**
     * Copies the response.
     *
     * @param response the stored response bytes
     * @param replayed true when this is a repeat
     */
    public Outcome {
      response = Objects.requireNonNull(response, "response").clone();
    }

    /**
     * A copy of the response.
     *
     * @return the response bytes
     */
    @Override
    public byte[] response() {
      return response.clone();
    }

    /**
     * Compares both components, the response by content.
     *
     * @param o the object to compare with
     * @return whether it is equal to this
     */
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Outcome x && replayed == x.replayed && Arrays.equals(response, x.response);
    }

    /**
     * Hashes both components.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(response) + Boolean.hashCode(replayed);
    }

    /**
     * Shows the response size and whether it was replayed.
     *
     * @return the description
     */
    @Override
    public String toString() {
      return "Outcome[response=" + response.length + " bytes, replayed=" + replayed + "]";
    }
  }

  /**
   * Configures {@link IdempotencyKeys}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private @Nullable OutboxSchema schema;
    private @Nullable Duration retention;
    private boolean built;

    private Builder() {
    }

    /**
     * Sets the schema (the idempotency table's name); defaults to {@link OutboxSchema#defaults()}.
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
     * Sets how long a key and its response are kept (default 24 hours).
     *
     * @param retention a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder retention(Duration retention) {
      Settings.checkUnset("retention", this.retention);
      this.retention = Settings.positive("retention", retention);
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the immutable {@link IdempotencyKeys}
     * @throws IllegalStateException if called twice
     */
    public IdempotencyKeys build() {
      Settings.checkBuilt(built);
      built = true;
      return new IdempotencyKeys(this);
    }
  }
}
