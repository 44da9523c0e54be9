package dev.tenancy.jdbc;

import dev.tenancy.jdbc.internal.BuilderState;
import dev.tenancy.jdbc.internal.Identifiers;
import dev.tenancy.jdbc.internal.PolicySql;
import dev.tenancy.jdbc.internal.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The row-level-security SQL that isolates one table by tenant, ready to paste into a Flyway or Liquibase migration.
 *
 * <pre>{@code
 * TenantPolicy policy = TenantPolicy.forTable("billing.invoices").build();
 * policy.statements().forEach(jdbc::execute);   // or write policy.sql() into V7__invoices_rls.sql
 * }</pre>
 *
 * <p>The statements enable and force row-level security, replace the policy {@code tenancy_isolation} with one
 * permissive {@code FOR ALL} policy whose {@code USING} and {@code WITH CHECK} are both
 * {@code tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text WHERE
 * current_setting('tenancy.tenant_id_stamp', true) = extract(epoch from transaction_timestamp())::text)}, and make
 * the tenant column default to the bound tenant. The second condition accepts the tenant only in the transaction
 * that bound it: {@link TenantDataSource} stamps every binding with the transaction's start, so a value left on
 * the session ({@code SET tenancy.tenant_id = ...} without {@code LOCAL}, {@code ALTER ROLE ... SET}, a pooled
 * connection's leftover) never matches. Code that binds by hand sets both:
 * {@code SELECT set_config('tenancy.tenant_id', ?, true), set_config('tenancy.tenant_id_stamp',
 * extract(epoch from transaction_timestamp())::text, true)}. Running them twice leaves the same state, so they are safe in repeatable
 * migrations. The predicate has no {@code OR} branch (so the tenant index stays usable), reads the setting once
 * per statement (an InitPlan, not once per row), and turns both "never set" (NULL) and "reset at commit"
 * ({@code ''}) into NULL, so a connection without a tenant sees no rows and can write none, without a cast error.
 *
 * <p>Names are taken literally, as stored in the catalog (so {@code Invoices} means the quoted, mixed-case name),
 * and quoted only where PostgreSQL needs it. Anything that is not a plain identifier is rejected, which makes
 * injection through names impossible. Instances are immutable and thread-safe.
 */
public final class TenantPolicy {

  /** Name of the tenant column unless {@link Builder#tenantColumn(String)} says otherwise. */
  public static final String DEFAULT_TENANT_COLUMN = "tenant_id";
  /** Type of the tenant column unless {@link Builder#columnType(String)} says otherwise. */
  public static final String DEFAULT_COLUMN_TYPE = "text";
  /** The custom setting holding the current tenant unless {@link Builder#setting(String)} says otherwise. */
  public static final String DEFAULT_SETTING = Settings.DEFAULT;
  /** Name of the generated policy unless {@link Builder#policyName(String)} says otherwise. */
  public static final String DEFAULT_POLICY_NAME = "tenancy_isolation";

  private static final int MAX_IDENTIFIER_LENGTH = 63;

  private final String table;
  private final String quotedTable;
  private final String tableNameOnly;
  private final String tenantColumn;
  private final String columnType;
  private final String setting;
  private final String policyName;
  private final List<String> statements;

  private TenantPolicy(String table, String quotedTable, String tableNameOnly, String tenantColumn,
      String columnType, String setting, String policyName) {
    this.table = table;
    this.quotedTable = quotedTable;
    this.tableNameOnly = tableNameOnly;
    this.tenantColumn = tenantColumn;
    this.columnType = columnType;
    this.setting = setting;
    this.policyName = policyName;
    this.statements = PolicySql.render(quotedTable, Identifiers.quote(tenantColumn), columnType, setting,
        Identifiers.quote(policyName));
  }

  /**
   * Starts a policy for {@code table}.
   *
   * @param table the table, as {@code name} or {@code schema.name}; an unqualified name resolves through the
   *     {@code search_path} of whoever runs the SQL
   * @return a single-use builder
   * @throws IllegalArgumentException if {@code table} is not a plain identifier or {@code schema.identifier}
   */
  public static Builder forTable(String table) {
    Identifiers.qualifiedName("table", table);
    return new Builder(table);
  }

  /**
   * The statements, in the order they must run, without trailing semicolons.
   *
   * @return the immutable list of statements
   */
  public List<String> statements() {
    return statements;
  }

  /**
   * The statements as one script, each ended by a semicolon and a line break.
   *
   * @return the SQL script
   */
  public String sql() {
    return statements.stream().map(s -> s + ";\n").collect(Collectors.joining());
  }

  /**
   * The tenant predicate used as both {@code USING} and {@code WITH CHECK}.
   *
   * @return for example {@code tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text
   *     WHERE current_setting('tenancy.tenant_id_stamp', true) = extract(epoch from transaction_timestamp())::text)}
   */
  public String predicate() {
    return PolicySql.predicate(Identifiers.quote(tenantColumn), columnType, setting);
  }

  /**
   * A {@code CREATE INDEX IF NOT EXISTS} statement for an index led by the tenant column, so the planner can use the
   * policy's equality as an index condition. Not part of {@link #statements()}: on a large table you may want
   * {@code CONCURRENTLY} outside a transaction, and an existing primary key {@code (tenant_id, id)} already serves.
   *
   * @param keyColumns columns that follow the tenant column, for example {@code "id"}
   * @return the statement, without a trailing semicolon
   * @throws IllegalArgumentException if a column is not a plain identifier or is the tenant column itself
   */
  public String indexStatement(String... keyColumns) {
    Objects.requireNonNull(keyColumns, "keyColumns");
    List<String> columns = new ArrayList<>();
    columns.add(tenantColumn);
    for (String column : keyColumns) {
      Identifiers.requireName("keyColumns", column);
      if (column.equals(tenantColumn)) {
        throw new IllegalArgumentException("keyColumns must not repeat the tenant column '" + tenantColumn
            + "'; it always leads the index");
      }
      columns.add(column);
    }
    String name = tableNameOnly + "_" + String.join("_", columns) + "_idx";
    if (name.length() > MAX_IDENTIFIER_LENGTH) {
      // PostgreSQL would truncate silently; doing it here keeps the name stable and visible in the SQL.
      name = name.substring(0, MAX_IDENTIFIER_LENGTH);
    }
    return "CREATE INDEX IF NOT EXISTS " + Identifiers.quote(name) + " ON " + quotedTable + " ("
        + columns.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + ")";
  }

  /**
   * The table as given to {@link #forTable(String)}.
   *
   * @return the table name
   */
  public String table() {
    return table;
  }

  /**
   * The tenant column.
   *
   * @return the column name
   */
  public String tenantColumn() {
    return tenantColumn;
  }

  /**
   * The SQL type the setting is cast to, which must be the tenant column's type.
   *
   * @return the type name, in lower case
   */
  public String columnType() {
    return columnType;
  }

  /**
   * The custom setting that holds the current tenant.
   *
   * @return the setting name
   */
  public String setting() {
    return setting;
  }

  /**
   * The name of the generated policy.
   *
   * @return the policy name
   */
  public String policyName() {
    return policyName;
  }

  /** Returns {@link #sql()}. */
  @Override
  public String toString() {
    return sql();
  }

  /**
   * Configures a {@link TenantPolicy}. Each option may be set at most once and {@link #build()} may be called once;
   * a builder is not thread-safe.
   */
  public static final class Builder {
    private final String table;
    private @Nullable String tenantColumn;
    private @Nullable String columnType;
    private @Nullable String setting;
    private @Nullable String policyName;
    private final BuilderState state = new BuilderState("TenantPolicy.Builder");

    private Builder(String table) {
      this.table = table;
    }

    /**
     * Sets the tenant column; defaults to {@value TenantPolicy#DEFAULT_TENANT_COLUMN}.
     *
     * @param column a plain identifier
     * @return this builder
     * @throws IllegalArgumentException if {@code column} is not a plain identifier
     * @throws IllegalStateException if the column was already set
     */
    public Builder tenantColumn(String column) {
      state.setOnce("tenantColumn", tenantColumn);
      tenantColumn = Identifiers.requireName("tenantColumn", column);
      return this;
    }

    /**
     * Sets the type of the tenant column, to which the setting's text is cast; defaults to
     * {@value TenantPolicy#DEFAULT_COLUMN_TYPE}. Use {@code uuid}, {@code bigint} and so on for other columns.
     *
     * @param type a type name such as {@code uuid} or {@code character varying(63)}
     * @return this builder
     * @throws IllegalArgumentException if {@code type} does not look like a type name
     * @throws IllegalStateException if the type was already set
     */
    public Builder columnType(String type) {
      state.setOnce("columnType", columnType);
      columnType = Identifiers.requireType(type);
      return this;
    }

    /**
     * Sets the custom setting holding the current tenant; defaults to {@value TenantPolicy#DEFAULT_SETTING}. It must
     * be the name the tenant-binding {@code DataSource} uses.
     *
     * @param name two or more identifiers joined by dots, as PostgreSQL accepts for a custom setting
     * @return this builder
     * @throws IllegalArgumentException if PostgreSQL would refuse {@code name} as a custom setting
     * @throws IllegalStateException if the setting was already set
     */
    public Builder setting(String name) {
      state.setOnce("setting", setting);
      setting = Settings.requireValid(name);
      return this;
    }

    /**
     * Sets the policy name; defaults to {@value TenantPolicy#DEFAULT_POLICY_NAME}. The generated SQL drops and
     * recreates the policy of that name.
     *
     * @param name a plain identifier
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is not a plain identifier
     * @throws IllegalStateException if the name was already set
     */
    public Builder policyName(String name) {
      state.setOnce("policyName", policyName);
      policyName = Identifiers.requireName("policyName", name);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the immutable policy
     * @throws IllegalStateException if this builder already built a policy
     */
    public TenantPolicy build() {
      state.build();
      String[] parts = table.split("\\.");
      return new TenantPolicy(table, Identifiers.qualifiedName("table", table), parts[parts.length - 1],
          tenantColumn != null ? tenantColumn : DEFAULT_TENANT_COLUMN,
          columnType != null ? columnType : DEFAULT_COLUMN_TYPE,
          setting != null ? setting : DEFAULT_SETTING,
          policyName != null ? policyName : DEFAULT_POLICY_NAME);
    }

  }
}
