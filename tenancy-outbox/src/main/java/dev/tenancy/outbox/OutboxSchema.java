package dev.tenancy.outbox;

import dev.tenancy.jdbc.TenantPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of the module's four tables — the outbox, its parked (dead-letter) events, idempotency keys and the
 * inbox — with their indexes, row-level security and grants, ready for a migration.
 *
 * <pre>{@code
 * OutboxSchema schema = OutboxSchema.builder().appRole("app").relayRole("outbox_relay").build();
 * schema.statements().forEach(jdbc::execute);   // or write schema.sql() into V8__outbox.sql
 * }</pre>
 *
 * <p>Every table has a {@code tenant_id text} column and is made tenant-scoped with
 * {@link TenantPolicy#forTable(String)}: the application's role sees and writes only the bound tenant's rows. The
 * relay must read every tenant's events, so a second, permissive policy {@value #RELAY_POLICY} grants the relay role
 * (and only it) all rows of these four tables, and the relay role is granted privileges on these tables only. The
 * relay role therefore needs neither {@code BYPASSRLS} nor ownership, and reads nothing else. The statements are
 * idempotent ({@code IF NOT EXISTS}, {@code DROP POLICY IF EXISTS}), so they can run in a repeatable migration.
 * Instances are immutable and thread-safe.
 */
public final class OutboxSchema {

  /** Name of the policy that lets the relay role read and change all tenants' rows of the module's tables. */
  public static final String RELAY_POLICY = "tenancy_outbox_relay";
  /** The default outbox table. */
  public static final String DEFAULT_OUTBOX_TABLE = "outbox";
  /** The default idempotency-key table. */
  public static final String DEFAULT_IDEMPOTENCY_TABLE = "idempotency_keys";
  /** The default inbox table. */
  public static final String DEFAULT_INBOX_TABLE = "inbox";

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,50}");
  private static final Pattern QUALIFIED = Pattern.compile("([a-z_][a-z0-9_]{0,50}\\.)?[a-z_][a-z0-9_]{0,50}");

  private final String outboxTable;
  private final String idempotencyTable;
  private final String inboxTable;
  private final @Nullable String relayRole;
  private final @Nullable String appRole;
  private final boolean notify;
  private final List<String> statements;

  private OutboxSchema(Builder b) {
    this.outboxTable = b.outboxTable == null ? DEFAULT_OUTBOX_TABLE : b.outboxTable;
    this.idempotencyTable = b.idempotencyTable == null ? DEFAULT_IDEMPOTENCY_TABLE : b.idempotencyTable;
    this.inboxTable = b.inboxTable == null ? DEFAULT_INBOX_TABLE : b.inboxTable;
    this.relayRole = b.relayRole;
    this.appRole = b.appRole;
    this.notify = b.notify == null || b.notify;
    this.statements = List.copyOf(render());
  }

  /**
   * Starts a schema with the default table names, LISTEN/NOTIFY wake-ups on, and no grants.
   *
   * @return a single-use builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The schema with every default: tables {@code outbox}, {@code outbox_parked}, {@code idempotency_keys},
   * {@code inbox}; no grants.
   *
   * @return the default schema
   */
  public static OutboxSchema defaults() {
    return builder().build();
  }

  /**
   * The statements, in order, without trailing semicolons.
   *
   * @return the immutable list
   */
  public List<String> statements() {
    return statements;
  }

  /**
   * The statements as one script, each ended by a semicolon and a line break.
   *
   * @return the script
   */
  public String sql() {
    return statements.stream().map(s -> s + ";\n").collect(Collectors.joining());
  }

  /**
   * The outbox table.
   *
   * @return its name, possibly schema-qualified
   */
  public String outboxTable() {
    return outboxTable;
  }

  /**
   * The table of parked events: the outbox table's name with {@code _parked} appended.
   *
   * @return its name
   */
  public String parkedTable() {
    return outboxTable + "_parked";
  }

  /**
   * The idempotency-key table.
   *
   * @return its name
   */
  public String idempotencyTable() {
    return idempotencyTable;
  }

  /**
   * The inbox table.
   *
   * @return its name
   */
  public String inboxTable() {
    return inboxTable;
  }

  /**
   * The LISTEN/NOTIFY channel the outbox trigger notifies, or empty when notifications are off.
   *
   * @return the channel name (the outbox table's name with dots replaced), or {@code ""}
   */
  public String notifyChannel() {
    return notify ? outboxTable.replace('.', '_') : "";
  }

  /**
   * Returns {@link #sql()}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return sql();
  }

  private List<String> render() {
    String o = outboxTable;
    String p = parkedTable();
    String bare = o.substring(o.indexOf('.') + 1);
    List<String> s = new ArrayList<>();
    // One row per unpublished event; published rows are deleted, so the table holds only the backlog and
    // the indexes stay as small as the backlog, not as the history.
    s.add("CREATE TABLE IF NOT EXISTS " + o + " (\n"
        + "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        + "  tenant_id text NOT NULL,\n"
        + "  event_id uuid NOT NULL,\n"
        + "  topic text NOT NULL,\n"
        + "  msg_key text NOT NULL,\n"
        + "  content_type text NOT NULL,\n"
        + "  headers text[] NOT NULL,\n"
        + "  payload bytea NOT NULL,\n"
        + "  created_at timestamptz NOT NULL DEFAULT now(),\n"
        + "  attempts integer NOT NULL DEFAULT 0,\n"
        + "  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',\n"
        + "  last_error text)");
    // Claims read one tenant's rows in id order; tenant discovery skips from tenant to tenant along it.
    s.add("CREATE INDEX IF NOT EXISTS " + bare + "_tenant_id_idx ON " + o + " (tenant_id, id)");
    // Holding and releasing the later rows of a failing key.
    s.add("CREATE INDEX IF NOT EXISTS " + bare + "_key_idx ON " + o + " (tenant_id, msg_key, id)");
    // The per-key order check of a claim: rows held back by a retry. Small: only rows that failed or wait behind one.
    s.add("CREATE INDEX IF NOT EXISTS " + bare + "_held_idx ON " + o + " (tenant_id, msg_key, id)"
        + " WHERE next_attempt_at <> '-infinity'");
    s.add("CREATE TABLE IF NOT EXISTS " + p + " (\n"
        + "  id bigint PRIMARY KEY,\n"
        + "  tenant_id text NOT NULL,\n"
        + "  event_id uuid NOT NULL,\n"
        + "  topic text NOT NULL,\n"
        + "  msg_key text NOT NULL,\n"
        + "  content_type text NOT NULL,\n"
        + "  headers text[] NOT NULL,\n"
        + "  payload bytea NOT NULL,\n"
        + "  created_at timestamptz NOT NULL,\n"
        + "  attempts integer NOT NULL,\n"
        + "  parked_at timestamptz NOT NULL DEFAULT now(),\n"
        + "  last_error text)");
    s.add("CREATE INDEX IF NOT EXISTS " + bare + "_parked_tenant_idx ON " + p + " (tenant_id, parked_at)");
    s.add("CREATE TABLE IF NOT EXISTS " + idempotencyTable + " (\n"
        + "  tenant_id text NOT NULL,\n"
        + "  principal text NOT NULL,\n"
        + "  operation text NOT NULL,\n"
        + "  idempotency_key text NOT NULL,\n"
        + "  fingerprint bytea NOT NULL,\n"
        + "  response bytea NOT NULL,\n"
        + "  created_at timestamptz NOT NULL DEFAULT now(),\n"
        + "  expires_at timestamptz NOT NULL,\n"
        + "  PRIMARY KEY (tenant_id, principal, operation, idempotency_key))");
    s.add("CREATE INDEX IF NOT EXISTS " + idempotencyTable.substring(idempotencyTable.indexOf('.') + 1)
        + "_expires_idx ON " + idempotencyTable + " (expires_at)");
    s.add("CREATE TABLE IF NOT EXISTS " + inboxTable + " (\n"
        + "  tenant_id text NOT NULL,\n"
        + "  consumer text NOT NULL,\n"
        + "  event_id uuid NOT NULL,\n"
        + "  processed_at timestamptz NOT NULL DEFAULT now(),\n"
        + "  PRIMARY KEY (tenant_id, consumer, event_id))");
    s.add("CREATE INDEX IF NOT EXISTS " + inboxTable.substring(inboxTable.indexOf('.') + 1)
        + "_processed_idx ON " + inboxTable + " (processed_at)");
    for (String table : List.of(o, p, idempotencyTable, inboxTable)) {
      s.addAll(TenantPolicy.forTable(table).build().statements());
      if (relayRole != null) {
        s.add("DROP POLICY IF EXISTS " + RELAY_POLICY + " ON " + table);
        s.add("CREATE POLICY " + RELAY_POLICY + " ON " + table + " AS PERMISSIVE FOR ALL TO " + relayRole
            + "\n  USING (true)\n  WITH CHECK (true)");
      }
    }
    if (notify) {
      String fn = o + "_notify";
      s.add("CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
          + "BEGIN\n  PERFORM pg_notify('" + notifyChannel() + "', '');\n  RETURN NULL;\nEND\n$fn$");
      s.add("DROP TRIGGER IF EXISTS " + bare + "_notify ON " + o);
      // Per statement, not per row: one wake-up per appending statement; NOTIFY folds duplicates per transaction.
      s.add("CREATE TRIGGER " + bare + "_notify AFTER INSERT ON " + o + " FOR EACH STATEMENT EXECUTE FUNCTION "
          + fn + "()");
    }
    if (relayRole != null) {
      s.add("GRANT SELECT, INSERT, UPDATE, DELETE ON " + o + ", " + p + " TO " + relayRole);
      s.add("GRANT SELECT, DELETE ON " + idempotencyTable + ", " + inboxTable + " TO " + relayRole);
    }
    if (appRole != null) {
      s.add("GRANT SELECT, INSERT ON " + o + " TO " + appRole);
      s.add("GRANT SELECT ON " + p + " TO " + appRole);
      s.add("GRANT SELECT, INSERT, UPDATE, DELETE ON " + idempotencyTable + " TO " + appRole);
      s.add("GRANT SELECT, INSERT ON " + inboxTable + " TO " + appRole);
    }
    return s;
  }

  /**
   * Configures an {@link OutboxSchema}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private @Nullable String outboxTable;
    private @Nullable String idempotencyTable;
    private @Nullable String inboxTable;
    private @Nullable String relayRole;
    private @Nullable String appRole;
    private @Nullable Boolean notify;
    private boolean built;

    private Builder() {
    }

    /**
     * Sets the outbox table; defaults to {@value OutboxSchema#DEFAULT_OUTBOX_TABLE}. The parked table is named
     * after it.
     *
     * @param table a lower-case name, optionally schema-qualified
     * @return this builder
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws IllegalStateException if already set
     */
    public Builder outboxTable(String table) {
      Settings.checkUnset("outboxTable", outboxTable);
      outboxTable = qualified("outboxTable", table);
      return this;
    }

    /**
     * Sets the idempotency-key table; defaults to {@value OutboxSchema#DEFAULT_IDEMPOTENCY_TABLE}.
     *
     * @param table a lower-case name, optionally schema-qualified
     * @return this builder
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws IllegalStateException if already set
     */
    public Builder idempotencyTable(String table) {
      Settings.checkUnset("idempotencyTable", idempotencyTable);
      idempotencyTable = qualified("idempotencyTable", table);
      return this;
    }

    /**
     * Sets the inbox table; defaults to {@value OutboxSchema#DEFAULT_INBOX_TABLE}.
     *
     * @param table a lower-case name, optionally schema-qualified
     * @return this builder
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws IllegalStateException if already set
     */
    public Builder inboxTable(String table) {
      Settings.checkUnset("inboxTable", inboxTable);
      inboxTable = qualified("inboxTable", table);
      return this;
    }

    /**
     * Names the relay's role: adds the {@value OutboxSchema#RELAY_POLICY} policy for it and grants it the
     * module's tables (and nothing else). Create the role yourself, {@code LOGIN NOSUPERUSER NOBYPASSRLS}.
     *
     * @param role a lower-case role name
     * @return this builder
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws IllegalStateException if already set
     */
    public Builder relayRole(String role) {
      Settings.checkUnset("relayRole", relayRole);
      relayRole = name("relayRole", role);
      return this;
    }

    /**
     * Names the application's role and grants it what appending, idempotency keys and the inbox need.
     *
     * @param role a lower-case role name
     * @return this builder
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws IllegalStateException if already set
     */
    public Builder appRole(String role) {
      Settings.checkUnset("appRole", appRole);
      appRole = name("appRole", role);
      return this;
    }

    /**
     * Turns the statement-level NOTIFY trigger on the outbox on or off (default on). Turn it off when every
     * relay reaches the database only through a transaction-mode pooler, where LISTEN cannot work, or when the
     * append rate is so high that polling always finds work anyway.
     *
     * @param enabled whether appends notify the relay
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder notifications(boolean enabled) {
      Settings.checkUnset("notifications", notify);
      notify = enabled;
      return this;
    }

    /**
     * Builds the schema.
     *
     * @return the immutable schema
     * @throws IllegalStateException if called twice
     */
    public OutboxSchema build() {
      if (built) {
        throw new IllegalStateException("build() was already called; use a new builder");
      }
      built = true;
      return new OutboxSchema(this);
    }

    private static String qualified(String what, String value) {
      Objects.requireNonNull(value, what);
      if (!QUALIFIED.matcher(value).matches()) {
        throw new IllegalArgumentException(what + " must be a lower-case identifier (optionally schema.name) of"
            + " letters, digits and _ up to 51 characters but was '" + OutboxEvent.printable(value) + "'");
      }
      return value;
    }

    private static String name(String what, String value) {
      Objects.requireNonNull(value, what);
      if (!NAME.matcher(value).matches()) {
        throw new IllegalArgumentException(what + " must be a lower-case identifier of letters, digits and _ up to"
            + " 51 characters but was '" + OutboxEvent.printable(value) + "'");
      }
      return value;
    }
  }
}
