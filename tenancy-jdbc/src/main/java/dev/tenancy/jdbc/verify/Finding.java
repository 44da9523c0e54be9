package dev.tenancy.jdbc.verify;

import java.util.Objects;

/**
 * One way tenant isolation is broken or weakened in a live database, found by {@link IsolationVerifier}.
 *
 * @param kind what is wrong
 * @param severity whether it fails {@link IsolationVerifier#requireIsolated()}
 * @param object the affected object: a {@code schema.table}, a view, a role name, or the database for pooler
 *     findings; names are shown as PostgreSQL would quote them
 * @param message what is wrong, why it matters and how to fix it, usually with the SQL to run
 */
public record Finding(Kind kind, Severity severity, String object, String message) {

  /**
   * Checks that no component is null.
   *
   * @param kind what is wrong
   * @param severity whether it fails {@link IsolationVerifier#requireIsolated()}
   * @param object the affected object: a {@code schema.table}, a view, a role name, or the database for pooler
   *     findings
   * @param message what is wrong, why it matters and how to fix it
   * @throws NullPointerException if a component is null
   */
  public Finding {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(object, "object");
    Objects.requireNonNull(message, "message");
  }

  static Finding of(Kind kind, String object, String message) {
    return new Finding(kind, kind.defaultSeverity(), object, message);
  }

  /** Renders as {@code [ERROR] RLS_NOT_ENABLED public.invoices: message}. */
  @Override
  public String toString() {
    return "[" + severity + "] " + kind + " " + object + ": " + message;
  }

  /** Whether a finding stops the application from starting. */
  public enum Severity {
    /** Tenant data can leak or be written across tenants; {@link IsolationVerifier#requireIsolated()} throws. */
    ERROR,
    /** Isolation holds, but something fails closed, is slow, or is fragile; reported and logged only. */
    WARNING
  }

  /** The kinds of finding; each constant's documentation says what the verifier looks for. */
  public enum Kind {
    /** A tenant table has row-level security disabled, so policies are ignored. */
    RLS_NOT_ENABLED(Severity.ERROR),
    /** A tenant table lacks {@code FORCE ROW LEVEL SECURITY}, so its owner (and views it owns) bypass policies. */
    RLS_NOT_FORCED(Severity.ERROR),
    /** A tenant table has no policy at all. */
    NO_POLICY(Severity.ERROR),
    /**
     * A permissive policy's {@code USING} does not restrict rows to the tenant setting (for example
     * {@code USING (true)} or an {@code OR} branch), and no restrictive tenant policy narrows it; permissive
     * policies are OR-ed, so one wide policy opens the table.
     */
    POLICY_NOT_TENANT_SCOPED(Severity.ERROR),
    /**
     * A permissive policy lets rows be written for another tenant: its {@code WITH CHECK} (or, for {@code FOR ALL}
     * and {@code FOR UPDATE} policies without one, its {@code USING}) does not restrict the tenant column.
     */
    POLICY_WITHOUT_TENANT_CHECK(Severity.ERROR),
    /** No policy grants some of SELECT, INSERT, UPDATE or DELETE to the application role; those fail closed. */
    COMMAND_NOT_COVERED(Severity.WARNING),
    /** No index on a tenant table starts with the tenant column, so every policy check scans the table. */
    TENANT_COLUMN_NOT_INDEXED(Severity.WARNING),
    /** The application role is a superuser, which bypasses row-level security even when it is forced. */
    ROLE_SUPERUSER(Severity.ERROR),
    /** The application role has {@code BYPASSRLS}. */
    ROLE_BYPASSRLS(Severity.ERROR),
    /** The application role owns a tenant table, so it can disable or un-force row-level security. */
    ROLE_OWNS_TENANT_TABLE(Severity.ERROR),
    /**
     * The application role is a member, directly or through other roles, of a role that is a superuser, has
     * {@code BYPASSRLS}, or owns a tenant table; {@code SET ROLE} reaches it.
     */
    ROLE_MEMBER_OF_PRIVILEGED_ROLE(Severity.ERROR),
    /** A view over tenant tables runs with its owner's rights instead of {@code security_invoker = true}. */
    VIEW_NOT_SECURITY_INVOKER(Severity.ERROR),
    /** A materialized view over tenant tables is readable by the application role; it has no row-level security. */
    MATERIALIZED_VIEW_OVER_TENANT_TABLE(Severity.ERROR),
    /**
     * A partition of a tenant table is accessible to the application role directly but lacks its own forced
     * row-level security and tenant policy; the parent's policies apply only to queries through the parent.
     */
    PARTITION_UNPROTECTED(Severity.ERROR),
    /**
     * A primary key, unique constraint or unique index on a tenant table omits the tenant column; duplicate-key
     * errors then reveal other tenants' values and let one tenant block another's inserts.
     */
    UNIQUE_KEY_WITHOUT_TENANT(Severity.ERROR),
    /**
     * A foreign key from a tenant table to another tenant table omits the tenant column; referential checks bypass
     * row-level security, so rows can point at another tenant's rows and errors reveal which keys exist.
     */
    FOREIGN_KEY_WITHOUT_TENANT(Severity.ERROR),
    /**
     * A policy's meaning was checked by behaviour: with no tenant bound, or an unknown tenant bound (with this
     * transaction's stamp), the application role still reads rows of a tenant table, so some policy admits rows of
     * no bound tenant (for example a fail-open {@code coalesce(setting, tenant_id)}).
     */
    ROWS_VISIBLE_WITHOUT_TENANT(Severity.ERROR),
    /**
     * The application role has, or can act as a role that has, an attribute or predefined role that leads around
     * row-level security: {@code CREATEROLE} (on PostgreSQL 15 it can grant itself the tables' owner),
     * {@code pg_execute_server_program}, {@code pg_read_server_files} or {@code pg_write_server_files} (the data
     * files on the server hold every tenant's rows).
     */
    ROLE_PRIVILEGE_AROUND_RLS(Severity.ERROR),
    /**
     * A default for the tenant setting (or its stamp) is stored on the application role or the database
     * ({@code ALTER ROLE ... SET}, {@code ALTER DATABASE ... SET}), so sessions start bound to a tenant.
     */
    TENANT_SETTING_STORED_DEFAULT(Severity.ERROR),
    /**
     * The application role holds a table privilege row-level security does not govern on a tenant table:
     * {@code TRUNCATE} (empties every tenant's rows), {@code TRIGGER} (a trigger sees every tenant's writes) or
     * {@code REFERENCES} on a table with a unique key (a foreign key of its own probes other tenants' keys).
     */
    TABLE_PRIVILEGE_OUTSIDE_RLS(Severity.ERROR),
    /**
     * The application role may create temporary tables in the database; they outlive the transaction and its
     * binding, so the next tenant on the same server session can read them, and one named like a tenant table
     * shadows it. A warning on a direct connection (where the pool can discard session objects at check-in), an
     * error behind a transaction-mode pooler (where nothing can).
     */
    TEMPORARY_ON_DATABASE(Severity.WARNING),
    /**
     * The application role owns, or may {@code CREATE} in, a schema that holds tenant tables: the owner may drop
     * any table in it, and objects created there can capture calls resolved through the search path.
     */
    SCHEMA_OWNED_OR_WRITABLE(Severity.ERROR),
    /**
     * An exclusion constraint on a tenant table omits the tenant column, so it is checked across tenants and its
     * conflict errors reveal other tenants' rows.
     */
    EXCLUSION_CONSTRAINT_WITHOUT_TENANT(Severity.ERROR),
    /**
     * A user-defined function marked {@code LEAKPROOF} is executable by the application role; the planner may run
     * it on rows before the policy has filtered them.
     */
    LEAKPROOF_FUNCTION(Severity.ERROR),
    /**
     * A {@code SECURITY DEFINER} function executable by the application role runs as an owner that bypasses
     * row-level security (superuser, {@code BYPASSRLS}) or owns tenant tables.
     */
    SECURITY_DEFINER_FUNCTION(Severity.ERROR),
    /**
     * A foreign table with the tenant column is usable by the application role; row-level security does not apply
     * to foreign tables or to the remote side.
     */
    FOREIGN_TABLE_WITH_TENANT_COLUMN(Severity.ERROR),
    /** A transaction-mode pooler is in front of the database and pgjdbc's {@code prepareThreshold} is above 0. */
    PREPARE_THRESHOLD_BEHIND_POOLER(Severity.WARNING);

    private final Severity defaultSeverity;

    Kind(Severity defaultSeverity) {
      this.defaultSeverity = defaultSeverity;
    }

    /**
     * The severity the verifier reports this kind with.
     *
     * @return the severity
     */
    public Severity defaultSeverity() {
      return defaultSeverity;
    }
  }
}
