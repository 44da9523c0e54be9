package dev.tenancy.outbox;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes committed outbox events through an {@link OutboxPublisher}, fairly across tenants.
 *
 * <pre>{@code
 * OutboxRelay relay = OutboxRelay.builder(relayDataSource, OutboxPublishers.redisStreams(redisUri, "events:"))
 *     .weights(tenant -> tiers.weightOf(tenant))   // e.g. 1 free, 4 paid
 *     .build();
 * relay.start();
 * ...
 * relay.close();   // finishes the batches in flight, then stops
 * }</pre>
 *
 * <h2>Claiming</h2>
 * Each worker takes transaction-scoped advisory locks on a chunk of tenants ({@code pg_try_advisory_xact_lock}; a
 * tenant whose lock another worker or relay instance holds is skipped), claims each locked tenant's oldest due rows
 * up to its share with {@code SELECT ... FOR UPDATE SKIP LOCKED} (one statement for the chunk), publishes them
 * tenant by tenant, deletes the published ones and commits, all in one transaction. A chunk holds as many tenants
 * as fit with their shares in {@code maxClaim}, so that many small backlogs cost one transaction, not one each.
 * Any number of workers and relay instances may run against the same tables, with no leader. If a relay dies
 * mid-batch its transaction rolls back, its locks go, and the rows are claimed again (at-least-once delivery). The
 * transaction commits with {@code synchronous_commit} off unless {@link Builder#synchronousCommit(boolean)} says
 * otherwise.
 *
 * <h2>Per-key order</h2>
 * Events of one (tenant, key) are published in id (append) order: as one transaction at a time claims a tenant,
 * no older row of a key can be locked elsewhere, and the claim skips rows behind an older row of their key that
 * waits for a retry. A failing event thus holds back the later events of its key (and only of its key) until it
 * succeeds or is parked. Events appended by concurrent transactions to the same key are ordered by id, which
 * is not always their commit order.
 *
 * <h2>Fairness</h2>
 * Workers serve tenants by deficit round robin: each round finds the tenants with a backlog (an index skip scan,
 * one probe per tenant), adds {@code quantum × weight(tenant)} to each tenant's deficit and claims at most that many
 * of its rows, capped by {@code maxClaim}. A tenant with a backlog of any size, over one key or many, therefore gets
 * its share per round and no more; another tenant's new event waits at most about one round.
 *
 * <h2>Retries and parking</h2>
 * A failed event is retried after an exponential backoff with jitter; after {@code maxAttempts} attempts it is
 * moved to the parked table and its key flows again. {@link #replay(TenantId, UUID)} moves it back.
 *
 * <h2>Database role</h2>
 * The data source must log in as the relay role named in {@link OutboxSchema.Builder#relayRole(String)}: its policy
 * lets that role, and no other, read every tenant's rows of the module's tables. The relay works inside a
 * {@link TenantContext#openSystem(String) system scope} (audited) and publishes each batch inside its tenant's scope.
 *
 * <p>Thread-safe. {@link #start()} once; {@link #close()} stops the workers gracefully.
 */
public final class OutboxRelay implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final String SYSTEM_REASON = "tenancy-outbox relay";

  private final DataSource dataSource;
  private final OutboxPublisher publisher;
  private final OutboxSchema schema;
  private final int workers;
  private final int quantum;
  private final int maxClaim;
  private final ToIntFunction<TenantId> weights;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration pollInterval;
  private final @Nullable DataSource listenDataSource;
  private final Duration cleanupInterval;
  private final Duration inboxRetention;
  private final @Nullable Duration parkedRetention;
  private final Duration shutdownTimeout;
  private final int maxTenantsPerRound;

  private final String claimSql;
  private final String deleteSql;
  private final String retrySql;
  private final String holdSql;
  private final String parkSql;
  private final String releaseSql;
  private final String discoverSql;

  private final LongCounter publishedCounter;
  private final LongCounter failedCounter;
  private final LongCounter parkedCounter;
  private final DoubleHistogram latency;
  private volatile long backlog;
  private volatile double backlogAgeSeconds;
  private volatile long parkedCount;

  /** Tenants a worker of this relay is serving right now; other workers skip them instead of colliding. */
  private final Set<String> busyTenants = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Object monitor = new Object();
  private long wakeups;
  private volatile boolean running;
  private boolean started;
  private final List<Thread> threads = new ArrayList<>();

  private OutboxRelay(Builder b) {
    this.dataSource = b.dataSource;
    this.publisher = b.publisher;
    this.schema = b.schema == null ? OutboxSchema.defaults() : b.schema;
    this.workers = b.workers == null ? 1 : b.workers;
    this.quantum = b.quantum == null ? 256 : b.quantum;
    this.maxClaim = b.maxClaim == null ? 1000 : b.maxClaim;
    this.weights = b.weights == null ? t -> 1 : b.weights;
    this.maxAttempts = b.maxAttempts == null ? 10 : b.maxAttempts;
    this.initialBackoff = b.initialBackoff == null ? Duration.ofSeconds(1) : b.initialBackoff;
    this.maxBackoff = b.maxBackoff == null ? Duration.ofMinutes(5) : b.maxBackoff;
    this.pollInterval = b.pollInterval == null ? Duration.ofMillis(500) : b.pollInterval;
    boolean listen = (b.listen == null || b.listen) && !schema.notifyChannel().isEmpty();
    this.listenDataSource = !listen ? null : b.listenDataSource == null ? b.dataSource : b.listenDataSource;
    this.cleanupInterval = b.cleanupInterval == null ? Duration.ofMinutes(1) : b.cleanupInterval;
    this.inboxRetention = b.inboxRetention == null ? Duration.ofDays(7) : b.inboxRetention;
    this.parkedRetention = b.parkedRetention;
    this.shutdownTimeout = b.shutdownTimeout == null ? Duration.ofSeconds(30) : b.shutdownTimeout;
    this.maxTenantsPerRound = b.maxTenantsPerRound == null ? 10_000 : b.maxTenantsPerRound;
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff "
          + initialBackoff + "; make it at least as long");
    }

    String o = schema.outboxTable();
    String cols = "id, tenant_id, event_id, topic, msg_key, content_type, headers, payload, created_at, attempts";
    // Only the holder of the tenant's lock claims, so no older row of a key can be locked elsewhere; the one way an
    // older row is left behind is a retry hold, which the small partial index of held rows answers.
    // One statement claims for several tenants, each with its own limit: the materialised CTE takes the tenants'
    // locks (skipping those another worker or relay holds) before any row is read, in the claim's round trip.
    // The tenant is matched as a range of one value on purpose: with "=" a generic plan may walk the primary key in
    // id order and filter by tenant, which reads a whole older backlog of another tenant to find a few rows; the
    // range keeps the (tenant_id, id) index, which yields the tenant's rows in order and stops at the limit.
    // Unless told otherwise, the batch's commit does not wait for the WAL flush (transaction-local, so nothing
    // outlives it on a pooled connection): a delete lost in a database crash only publishes its events again.
    claimSql = "WITH l AS MATERIALIZED (SELECT t.tenant_id, t.lim, t.ord FROM unnest(?::text[], ?::int[])"
        + " WITH ORDINALITY AS t(tenant_id, lim, ord)"
        + " WHERE pg_try_advisory_xact_lock(hashtextextended(? || t.tenant_id, 0))"
        + (b.synchronousCommit != null && b.synchronousCommit ? ""
            : " AND set_config('synchronous_commit', 'off', true) IS NOT NULL") + ")"
        + " SELECT " + cols.replace("id, tenant_id,", "c.id, c.tenant_id,") + " FROM l CROSS JOIN LATERAL (SELECT "
        + cols + " FROM " + o + " c WHERE c.tenant_id >= l.tenant_id AND c.tenant_id <= l.tenant_id"
        + " AND c.next_attempt_at <= now()"
        + " AND NOT EXISTS (SELECT 1 FROM " + o + " p WHERE p.tenant_id = c.tenant_id AND p.msg_key = c.msg_key"
        + " AND p.id < c.id AND p.next_attempt_at <> '-infinity')"
        + " ORDER BY c.id LIMIT l.lim FOR UPDATE OF c SKIP LOCKED) c ORDER BY l.ord, c.id";
    deleteSql = "DELETE FROM " + o + " WHERE id = ANY(?)";
    retrySql = "UPDATE " + o + " SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?),"
        + " last_error = ? WHERE id = ?";
    holdSql = "UPDATE " + o + " SET next_attempt_at = now() + make_interval(secs => ?) WHERE id IN (SELECT id FROM "
        + o + " WHERE tenant_id = ? AND msg_key = ? AND id > ? FOR UPDATE SKIP LOCKED)";
    releaseSql = "UPDATE " + o + " SET next_attempt_at = '-infinity' WHERE id IN (SELECT id FROM " + o
        + " WHERE tenant_id = ? AND msg_key = ? AND id > ? AND next_attempt_at <> '-infinity' FOR UPDATE SKIP LOCKED)";
    parkSql = "WITH m AS (DELETE FROM " + o + " WHERE id = ? RETURNING " + cols + ") INSERT INTO "
        + schema.parkedTable() + " (" + cols + ", last_error) SELECT id, tenant_id, event_id, topic, msg_key,"
        + " content_type, headers, payload, created_at, attempts + 1, ? FROM m";
    // A loose index scan: one index probe per tenant with a backlog, however many rows each has.
    discoverSql = "WITH RECURSIVE t(tenant_id) AS ((SELECT tenant_id FROM " + o + " ORDER BY tenant_id LIMIT 1)"
        + " UNION ALL SELECT (SELECT o.tenant_id FROM " + o + " o WHERE o.tenant_id > t.tenant_id"
        + " ORDER BY o.tenant_id LIMIT 1) FROM t WHERE t.tenant_id IS NOT NULL)"
        + " SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL LIMIT ?";

    OpenTelemetry otel = b.openTelemetry == null ? OpenTelemetry.noop() : b.openTelemetry;
    Meter meter = otel.getMeter("dev.tenancy.outbox");
    publishedCounter = meter.counterBuilder("tenancy.outbox.published").setUnit("{event}")
        .setDescription("Events published by the relay").build();
    failedCounter = meter.counterBuilder("tenancy.outbox.publish.failures").setUnit("{event}")
        .setDescription("Publication attempts that failed and will be retried or parked").build();
    parkedCounter = meter.counterBuilder("tenancy.outbox.parked").setUnit("{event}")
        .setDescription("Events moved to the parked table after their last attempt").build();
    latency = meter.histogramBuilder("tenancy.outbox.publish.latency").setUnit("s")
        .setDescription("Time from the appending transaction's start to publication").build();
    meter.gaugeBuilder("tenancy.outbox.backlog").ofLongs().setUnit("{event}")
        .setDescription("Unpublished events (counted up to 1,000,000), refreshed every cleanup interval")
        .buildWithCallback(m -> m.record(backlog));
    meter.gaugeBuilder("tenancy.outbox.backlog.age").setUnit("s")
        .setDescription("Age of the oldest unpublished event, refreshed every cleanup interval")
        .buildWithCallback(m -> m.record(backlogAgeSeconds));
    meter.gaugeBuilder("tenancy.outbox.parked.size").ofLongs().setUnit("{event}")
        .setDescription("Events in the parked table (counted up to 1,000,000)")
        .buildWithCallback(m -> m.record(parkedCount));
  }

  /**
   * Starts a relay reading with {@code relayDataSource} (logged in as the relay role, a plain data source, not a
   * tenant-binding one) and publishing through {@code publisher}.
   *
   * @param relayDataSource connections as the relay role
   * @param publisher where events go
   * @return a single-use builder
   */
  public static Builder builder(DataSource relayDataSource, OutboxPublisher publisher) {
    return new Builder(Objects.requireNonNull(relayDataSource, "relayDataSource"),
        Objects.requireNonNull(publisher, "publisher"));
  }

  /**
   * Starts the workers, the LISTEN thread (when notifications are on) and the cleanup thread.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("the relay was already started; build a new one");
    }
    started = true;
    running = true;
    for (int i = 0; i < workers; i++) {
      threads.add(thread("tenancy-outbox-relay-" + i, this::workLoop));
    }
    DataSource listen = listenDataSource;
    if (listen != null) {
      threads.add(thread("tenancy-outbox-listen", () -> listenLoop(listen)));
    }
    threads.add(thread("tenancy-outbox-cleanup", this::maintenanceLoop));
    threads.forEach(Thread::start);
  }

  private Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Runs one fair round on the calling thread: every tenant with a backlog gets one claim. For tests and for
   * applications that schedule the relay themselves; may run beside started workers.
   *
   * @return the number of events published in the round
   * @throws SQLException if the database fails
   * @throws InterruptedException if interrupted while publishing
   */
  public int runOnce() throws SQLException, InterruptedException {
    try (TenantScope ignored = TenantContext.openSystem(SYSTEM_REASON); Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      return round(c, new HashMap<>(), false);
    }
  }

  /**
   * Moves a parked event back into the outbox, behind the events appended since; it is published like a new event
   * (same event id, attempts reset).
   *
   * @param tenant the event's tenant
   * @param eventId the event's id
   * @return whether a parked event was found and moved
   * @throws SQLException if the database fails
   */
  public boolean replay(TenantId tenant, UUID eventId) throws SQLException {
    return replay(tenant, eventId, false) > 0;
  }

  /**
   * Moves all of a tenant's parked events back into the outbox, in their original order.
   *
   * @param tenant the tenant
   * @return how many were moved
   * @throws SQLException if the database fails
   */
  public int replayAll(TenantId tenant) throws SQLException {
    return replay(tenant, null, true);
  }

  private int replay(TenantId tenant, @Nullable UUID eventId, boolean all) throws SQLException {
    Objects.requireNonNull(tenant, "tenant");
    String sql = "WITH m AS (DELETE FROM " + schema.parkedTable() + " WHERE tenant_id = ?"
        + (all ? "" : " AND event_id = ?") + " RETURNING id, tenant_id, event_id, topic, msg_key, content_type,"
        + " headers, payload, created_at) INSERT INTO " + schema.outboxTable()
        + " (tenant_id, event_id, topic, msg_key, content_type, headers, payload, created_at)"
        + " SELECT tenant_id, event_id, topic, msg_key, content_type, headers, payload, created_at FROM m ORDER BY id";
    try (TenantScope ignored = TenantContext.openSystem(SYSTEM_REASON + " replay");
        Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, tenant.value());
      if (!all) {
        ps.setObject(2, Objects.requireNonNull(eventId, "eventId"));
      }
      int n = ps.executeUpdate();
      if (!c.getAutoCommit()) {
        c.commit();
      }
      return n;
    }
  }

  /** Wakes idle workers, as a notification would. */
  void wake() {
    synchronized (monitor) {
      wakeups++;
      monitor.notifyAll();
    }
  }

  private void workLoop() {
    Map<String, Long> deficits = new HashMap<>();
    long seen = -1;
    try (TenantScope ignored = TenantContext.openSystem(SYSTEM_REASON)) {
      Connection c = null;
      while (running) {
        try {
          if (c == null || c.isClosed()) {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
          }
          synchronized (monitor) {
            seen = wakeups;
          }
          int published = round(c, deficits, true);
          if (published == 0) {
            synchronized (monitor) {
              if (wakeups == seen && running) {
                monitor.wait(pollInterval.toMillis());
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        } catch (SQLException | RuntimeException e) {
          log.warn("outbox relay round failed; retrying in {} ms: {}", pollInterval.toMillis(), e.toString());
          closeQuietly(c);
          c = null;
          sleep(pollInterval);
        }
      }
      closeQuietly(c);
    }
  }

  private int round(Connection c, Map<String, Long> deficits, boolean stoppable) throws SQLException, InterruptedException {
    List<String> tenants = discover(c);
    if (tenants.isEmpty()) {
      deficits.clear();
      return 0;
    }
    deficits.keySet().retainAll(new HashSet<>(tenants));
    int start = ThreadLocalRandom.current().nextInt(tenants.size());
    int published = 0;
    // Tenants are served in chunks: one transaction claims for several tenants, each up to its own share, as long
    // as their shares add up to at most maxClaim. Small backlogs then cost one transaction for many tenants.
    int next = 0;
    while (next < tenants.size() && (running || !stoppable)) {
      List<Share> chunk = new ArrayList<>();
      int chunkWant = 0;
      while (next < tenants.size()) {
        String tenant = tenants.get((start + next) % tenants.size());
        int weight = Math.max(1, Math.min(1000, weights.applyAsInt(new TenantId(tenant))));
        long credit = deficits.getOrDefault(tenant, 0L) + (long) quantum * weight;
        int want = (int) Math.min(credit, maxClaim);
        if (!chunk.isEmpty() && chunkWant + want > maxClaim) {
          break; // this tenant starts the next chunk
        }
        next++;
        // Two workers on one tenant would mostly claim rows whose keys the other holds, which the order check
        // drops; a tenant another worker of this relay is serving waits for the next round.
        if (busyTenants.add(tenant)) {
          chunk.add(new Share(tenant, want, credit));
          chunkWant += want;
        }
      }
      if (chunk.isEmpty()) {
        continue;
      }
      Map<String, Batch> batches;
      try {
        batches = claimAndPublish(c, chunk);
      } finally {
        chunk.forEach(share -> busyTenants.remove(share.tenant()));
      }
      for (Share share : chunk) {
        Batch batch = batches.getOrDefault(share.tenant(), Batch.NONE);
        published += batch.published;
        if (batch.claimed < share.want()) {
          deficits.remove(share.tenant());   // drained: an empty queue keeps no credit (deficit round robin)
        } else {
          deficits.put(share.tenant(), Math.max(0, share.credit() - batch.claimed));
        }
      }
    }
    return published;
  }

  /** A tenant's place in a chunk: the rows it may claim this round, and its deficit before the claim. */
  private record Share(String tenant, int want, long credit) {
  }

  private List<String> discover(Connection c) throws SQLException {
    List<String> tenants = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(discoverSql)) {
      ps.setInt(1, maxTenantsPerRound);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tenants.add(rs.getString(1));
        }
      }
    }
    c.commit();
    return tenants;
  }

  private record Row(long id, OutboxMessage message) {
  }

  private record Batch(int claimed, int published) {
    static final Batch NONE = new Batch(0, 0);
  }

  /** Claims up to each share's rows of its tenant in one transaction, publishes them tenant by tenant, commits. */
  private Map<String, Batch> claimAndPublish(Connection c, List<Share> chunk)
      throws SQLException, InterruptedException {
    boolean done = false;
    try {
      Map<String, List<Row>> claimed = claim(c, chunk);
      if (claimed.isEmpty()) {
        c.commit();
        done = true;
        return Map.of();
      }
      Map<String, Batch> batches = new HashMap<>();
      List<Long> delete = new ArrayList<>();
      for (Map.Entry<String, List<Row>> e : claimed.entrySet()) {
        String tenant = e.getKey();
        List<Row> rows = e.getValue();
        int published = publishTenant(c, tenant, rows, delete);
        batches.put(tenant, new Batch(rows.size(), published));
      }
      if (!delete.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
          ps.setArray(1, c.createArrayOf("bigint", delete.toArray()));
          ps.executeUpdate();
        }
      }
      c.commit();
      done = true;
      publishedCounter.add(delete.size());
      return batches;
    } finally {
      if (!done) {
        try {
          c.rollback();
        } catch (SQLException e) {
          log.debug("rollback after a failed batch failed too", e);
        }
      }
    }
  }

  /**
   * Publishes one tenant's claimed rows in its tenant scope, adds the published rows' ids to {@code delete}, and
   * records retries, holds and parkings for the failed ones in the open transaction.
   *
   * @return how many were published
   */
  private int publishTenant(Connection c, String tenant, List<Row> rows, List<Long> delete)
      throws SQLException, InterruptedException {
    List<OutboxMessage> messages = new ArrayList<>(rows.size());
    for (Row r : rows) {
      messages.add(r.message);
    }
    Map<UUID, Exception> failures;
    try (TenantScope ignored = TenantContext.open(new TenantId(tenant))) {
      failures = publisher.publish(messages);
    } catch (RuntimeException e) {
      failures = new HashMap<>();
      for (OutboxMessage m : messages) {
        failures.put(m.eventId(), e);
      }
    }
    Instant now = Instant.now();
    int published = 0;
    Set<String> failedKeys = new HashSet<>();
    for (Row r : rows) {
      Exception failure = failures.get(r.message.eventId());
      if (failure == null) {
        delete.add(r.id);
        published++;
        if (r.message.attempt() > 1) {
          release(c, tenant, r);
        }
        latency.record(Math.max(0, Duration.between(r.message.createdAt(), now).toNanos() / 1e9));
      } else if (failedKeys.add(r.message.key())) {
        fail(c, tenant, r, failure);
      }
      // later failures of an already failed key were not attempts of their own: the rows just stay
    }
    return published;
  }

  /** The claimed rows by tenant, tenants in the order of the chunk, rows in id order. */
  private Map<String, List<Row>> claim(Connection c, List<Share> chunk) throws SQLException {
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(claimSql)) {
      ps.setArray(1, c.createArrayOf("text", chunk.stream().map(Share::tenant).toArray()));
      ps.setArray(2, c.createArrayOf("integer", chunk.stream().map(Share::want).toArray()));
      ps.setString(3, "tenancy-outbox:" + schema.outboxTable() + ":");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String tenant = rs.getString(2);
          String[] flat = (String[]) rs.getArray(7).getArray();
          Map<String, String> headers = new LinkedHashMap<>();
          for (int i = 0; i + 1 < flat.length; i += 2) {
            headers.put(flat[i], flat[i + 1]);
          }
          OutboxMessage m = new OutboxMessage(rs.getObject(3, UUID.class), new TenantId(tenant), rs.getString(4),
              rs.getString(5), rs.getBytes(8), rs.getString(6), headers, rs.getTimestamp(9).toInstant(),
              rs.getInt(10) + 1);
          rows.computeIfAbsent(tenant, t -> new ArrayList<>()).add(new Row(rs.getLong(1), m));
        }
      }
    }
    return rows;
  }

  private void release(Connection c, String tenant, Row r) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(releaseSql)) {
      ps.setString(1, tenant);
      ps.setString(2, r.message.key());
      ps.setLong(3, r.id);
      ps.executeUpdate();
    }
  }

  private void fail(Connection c, String tenant, Row r, Exception failure) throws SQLException {
    failedCounter.add(1);
    String error = String.valueOf(failure);
    if (error.length() > 2000) {
      error = error.substring(0, 2000);
    }
    int attempt = r.message.attempt();
    if (attempt >= maxAttempts) {
      try (PreparedStatement ps = c.prepareStatement(parkSql)) {
        ps.setLong(1, r.id);
        ps.setString(2, error);
        ps.executeUpdate();
      }
      release(c, tenant, r);
      parkedCounter.add(1);
      log.warn("parked outbox event {} of tenant {} (topic {}, key {}) after {} attempts: {}",
          r.message.eventId(), tenant, r.message.topic(), r.message.key(), attempt, error);
      return;
    }
    double delay = backoffSeconds(attempt);
    try (PreparedStatement ps = c.prepareStatement(retrySql)) {
      ps.setDouble(1, delay);
      ps.setString(2, error);
      ps.setLong(3, r.id);
      ps.executeUpdate();
    }
    // Hold the key's later rows until the retry, so they neither overtake it nor fill other keys' claims.
    try (PreparedStatement ps = c.prepareStatement(holdSql)) {
      ps.setDouble(1, delay);
      ps.setString(2, tenant);
      ps.setString(3, r.message.key());
      ps.setLong(4, r.id);
      ps.executeUpdate();
    }
    log.debug("outbox event {} attempt {} failed, retry in {} s: {}", r.message.eventId(), attempt, delay, error);
  }

  /** Exponential backoff with "equal jitter": half the step fixed, half random, capped at maxBackoff. */
  double backoffSeconds(int attempt) {
    double step = initialBackoff.toNanos() / 1e9 * Math.pow(2, Math.min(attempt - 1, 30));
    double capped = Math.min(step, maxBackoff.toNanos() / 1e9);
    return capped / 2 + ThreadLocalRandom.current().nextDouble() * capped / 2;
  }

  private void listenLoop(DataSource listen) {
    while (running) {
      try (Connection c = listen.getConnection()) {
        c.setAutoCommit(true);
        PgNotifications.listen(c, schema.notifyChannel(), pollInterval, this::wake, () -> running);
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("outbox LISTEN connection failed; polling every {} ms until it is back: {}",
              pollInterval.toMillis(), e.toString());
          sleep(pollInterval.multipliedBy(4));
        }
      } catch (LinkageError e) {
        log.warn("LISTEN/NOTIFY needs the PostgreSQL JDBC driver (org.postgresql) on the class path; polling only");
        return;
      }
    }
  }

  private void maintenanceLoop() {
    long next = 0;
    while (running) {
      long now = System.nanoTime();
      if (now - next >= 0) {
        next = now + cleanupInterval.toNanos();
        try (TenantScope ignored = TenantContext.openSystem(SYSTEM_REASON + " cleanup");
            Connection c = dataSource.getConnection()) {
          c.setAutoCommit(true);
          refreshGauges(c);
          cleanup(c);
        } catch (SQLException | RuntimeException e) {
          log.warn("outbox cleanup failed; next try in {}: {}", cleanupInterval, e.toString());
        }
      }
      sleep(Duration.ofMillis(Math.min(1000, cleanupInterval.toMillis())));
    }
  }

  private void refreshGauges(Connection c) throws SQLException {
    String o = schema.outboxTable();
    backlog = count(c, "SELECT count(*) FROM (SELECT 1 FROM " + o + " LIMIT 1000000) s");
    parkedCount = count(c, "SELECT count(*) FROM (SELECT 1 FROM " + schema.parkedTable() + " LIMIT 1000000) s");
    try (PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM now() - created_at) FROM " + o
        + " ORDER BY id LIMIT 1"); ResultSet rs = ps.executeQuery()) {
      backlogAgeSeconds = rs.next() ? Math.max(0, rs.getDouble(1)) : 0;
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private void cleanup(Connection c) throws SQLException {
    String k = schema.idempotencyTable();
    String i = schema.inboxTable();
    execute(c, "DELETE FROM " + k + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + k
        + " WHERE expires_at < now() LIMIT 10000))");
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + i + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
        + i + " WHERE processed_at < now() - make_interval(secs => ?) LIMIT 10000))")) {
      ps.setDouble(1, inboxRetention.toSeconds());
      ps.executeUpdate();
    }
    Duration parked = parkedRetention;
    if (parked != null) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema.parkedTable()
          + " WHERE parked_at < now() - make_interval(secs => ?)")) {
        ps.setDouble(1, parked.toSeconds());
        ps.executeUpdate();
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.executeUpdate();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(@Nullable Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("closing a relay connection failed", e);
      }
    }
  }

  /**
   * Stops the relay: no new batches are claimed, batches in flight finish (up to the shutdown timeout, then their
   * threads are interrupted and their transactions roll back, so their events are published again later), and the
   * publisher is closed. Idempotent.
   */
  @Override
  public void close() {
    List<Thread> toJoin;
    synchronized (this) {
      if (!running && threads.isEmpty()) {
        publisher.close();
        return;
      }
      running = false;
      toJoin = new ArrayList<>(threads);
      threads.clear();
    }
    wake();
    long deadline = System.nanoTime() + shutdownTimeout.toNanos();
    for (Thread t : toJoin) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        if (t.isAlive()) {
          t.interrupt();
          t.join(1000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    publisher.close();
  }

  /**
   * Configures an {@link OutboxRelay}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final OutboxPublisher publisher;
    private @Nullable OutboxSchema schema;
    private @Nullable Integer workers;
    private @Nullable Integer quantum;
    private @Nullable Integer maxClaim;
    private @Nullable ToIntFunction<TenantId> weights;
    private @Nullable Integer maxAttempts;
    private @Nullable Duration initialBackoff;
    private @Nullable Duration maxBackoff;
    private @Nullable Duration pollInterval;
    private @Nullable Boolean listen;
    private @Nullable DataSource listenDataSource;
    private @Nullable Duration cleanupInterval;
    private @Nullable Duration inboxRetention;
    private @Nullable Duration parkedRetention;
    private @Nullable Duration shutdownTimeout;
    private @Nullable Integer maxTenantsPerRound;
    private @Nullable Boolean synchronousCommit;
    private @Nullable OpenTelemetry openTelemetry;
    private boolean built;

    private Builder(DataSource dataSource, OutboxPublisher publisher) {
      this.dataSource = dataSource;
      this.publisher = publisher;
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
     * Sets the number of worker threads (default 1); each holds one connection.
     *
     * @param workers 1 to 64
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder workers(int workers) {
      Settings.checkUnset("workers", this.workers);
      if (workers < 1 || workers > 64) {
        throw new IllegalArgumentException("workers must be 1 to 64 but was " + workers);
      }
      this.workers = workers;
      return this;
    }

    /**
     * Sets the deficit-round-robin quantum: events a weight-1 tenant may publish per round (default 256). Smaller
     * means fairer and lower latency for small tenants, larger means fewer round trips for big backlogs.
     *
     * @param events 1 to 100,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder quantum(int events) {
      Settings.checkUnset("quantum", quantum);
      if (events < 1 || events > 100_000) {
        throw new IllegalArgumentException("quantum must be 1 to 100000 but was " + events);
      }
      quantum = events;
      return this;
    }

    /**
     * Sets the most events one transaction claims (default 1,000): a tenant's share per round is capped by it,
     * whatever the tenant's weight and credit, and the tenants served together in one transaction have shares that
     * add up to at most it. It also bounds how many events a crash of the relay publishes a second time.
     *
     * @param events 1 to 100,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder maxClaim(int events) {
      Settings.checkUnset("maxClaim", maxClaim);
      if (events < 1 || events > 100_000) {
        throw new IllegalArgumentException("maxClaim must be 1 to 100000 but was " + events);
      }
      maxClaim = events;
      return this;
    }

    /**
     * Sets each tenant's weight, for example by tier (default 1 for all). Called once per tenant per round; must
     * be fast. Results are clamped to 1..1000.
     *
     * @param weights the weight of a tenant
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder weights(ToIntFunction<TenantId> weights) {
      Settings.checkUnset("weights", this.weights);
      this.weights = Objects.requireNonNull(weights, "weights");
      return this;
    }

    /**
     * Sets how many attempts an event gets before it is parked (default 10).
     *
     * @param attempts 1 to 1,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder maxAttempts(int attempts) {
      Settings.checkUnset("maxAttempts", maxAttempts);
      if (attempts < 1 || attempts > 1000) {
        throw new IllegalArgumentException("maxAttempts must be 1 to 1000 but was " + attempts);
      }
      maxAttempts = attempts;
      return this;
    }

    /**
     * Sets the retry backoff: the first retry waits about {@code initial}, each next one twice as long, at most
     * {@code max}; each wait is randomised between half and all of it (defaults 1 s and 5 min).
     *
     * @param initial the first wait
     * @param max the longest wait
     * @return this builder
     * @throws IllegalArgumentException if a duration is not positive
     * @throws IllegalStateException if already set
     */
    public Builder backoff(Duration initial, Duration max) {
      Settings.checkUnset("backoff", initialBackoff);
      initialBackoff = Settings.positive("initial backoff", initial);
      maxBackoff = Settings.positive("max backoff", max);
      return this;
    }

    /**
     * Sets how long an idle worker waits before looking for work again when no notification arrives
     * (default 500 ms).
     *
     * @param interval a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder pollInterval(Duration interval) {
      Settings.checkUnset("pollInterval", pollInterval);
      pollInterval = Settings.positive("pollInterval", interval);
      return this;
    }

    /**
     * Turns LISTEN/NOTIFY wake-ups on or off (default on when the schema has notifications). Off means polling only.
     *
     * @param enabled whether to listen
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder listen(boolean enabled) {
      Settings.checkUnset("listen", listen);
      listen = enabled;
      return this;
    }

    /**
     * Sets a data source with direct (not transaction-pooled) connections for LISTEN; defaults to the relay's. Use
     * it when the relay's data source goes through PgBouncer in transaction mode, where LISTEN does not work.
     *
     * @param direct a data source connecting straight to PostgreSQL
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder listenDataSource(DataSource direct) {
      Settings.checkUnset("listenDataSource", listenDataSource);
      listenDataSource = Objects.requireNonNull(direct, "direct");
      return this;
    }

    /**
     * Sets how often expired idempotency keys, old inbox records and (if a retention is set) old parked events are
     * deleted, and the backlog gauges refreshed (default 1 min).
     *
     * @param interval a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder cleanupInterval(Duration interval) {
      Settings.checkUnset("cleanupInterval", cleanupInterval);
      cleanupInterval = Settings.positive("cleanupInterval", interval);
      return this;
    }

    /**
     * Sets how long inbox records are kept (default 7 days); longer than any redelivery can take.
     *
     * @param retention a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder inboxRetention(Duration retention) {
      Settings.checkUnset("inboxRetention", inboxRetention);
      inboxRetention = Settings.positive("inboxRetention", retention);
      return this;
    }

    /**
     * Sets how long parked events are kept before deletion (default: kept until replayed or deleted by hand).
     *
     * @param retention a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder parkedRetention(Duration retention) {
      Settings.checkUnset("parkedRetention", parkedRetention);
      parkedRetention = Settings.positive("parkedRetention", retention);
      return this;
    }

    /**
     * Sets how long {@link OutboxRelay#close()} waits for batches in flight (default 30 s).
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder shutdownTimeout(Duration timeout) {
      Settings.checkUnset("shutdownTimeout", shutdownTimeout);
      shutdownTimeout = Settings.positive("shutdownTimeout", timeout);
      return this;
    }

    /**
     * Sets the most tenants one round serves (default 10,000); the others wait for a later round.
     *
     * @param tenants at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxTenantsPerRound(int tenants) {
      Settings.checkUnset("maxTenantsPerRound", maxTenantsPerRound);
      maxTenantsPerRound = Settings.atLeast("maxTenantsPerRound", tenants, 1);
      return this;
    }

    /**
     * Sets whether a batch's commit waits for PostgreSQL to flush its write-ahead log (default off: the relay's
     * transactions run with {@code synchronous_commit = off}, set per transaction). Off spares the relay a disk flush
     * per batch, which is most of its tail latency on a busy disk; what a database crash can then lose is the last
     * fraction of a second of deletes, retry counts and parkings, so those events are published (or attempted) once
     * more, which at-least-once delivery already allows. Turn it on to keep the server's setting, for example when
     * consumers cannot de-duplicate and every avoidable duplicate counts.
     *
     * @param enabled whether to keep the server's {@code synchronous_commit}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder synchronousCommit(boolean enabled) {
      Settings.checkUnset("synchronousCommit", synchronousCommit);
      synchronousCommit = enabled;
      return this;
    }

    /**
     * Sets where metrics go (default: nowhere, {@link OpenTelemetry#noop()}).
     *
     * @param openTelemetry the OpenTelemetry instance
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      Settings.checkUnset("openTelemetry", this.openTelemetry);
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Builds the relay, not yet started.
     *
     * @return the relay
     * @throws IllegalStateException if called twice
     * @throws IllegalArgumentException if the maximum backoff is shorter than the initial one
     */
    public OutboxRelay build() {
      Settings.checkBuilt(built);
      built = true;
      return new OutboxRelay(this);
    }
  }
}
