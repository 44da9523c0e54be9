package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.internal.BuilderState;
import dev.tenancy.jdbc.internal.Identifiers;
import dev.tenancy.jdbc.internal.PgJdbc;
import dev.tenancy.jdbc.internal.Settings;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a live PostgreSQL database for every known way around row-level-security tenant isolation, as seen by
 * the application's own database role, so an application can refuse to start on a database that would leak.
 *
 * <pre>{@code
 * IsolationVerifier.builder(appDataSource)
 *     .exemptTables("public.tenants", "public.countries")
 *     .build()
 *     .requireIsolated();   // throws IsolationException listing every finding
 * }</pre>
 *
 * <p>Give it the {@code DataSource} the application uses, connected as the application role: the checks are made
 * for {@code current_user} of its connections (role attributes, role memberships, which policies apply, which
 * tables and views the role can reach). It reads only catalogs that every role may read on PostgreSQL 15, so no
 * administrator connection is needed. A tenant table is any ordinary or partitioned table with the tenant column
 * in the checked schemas; see {@link Finding.Kind} for what is checked. Privileges are counted for every role the
 * application role can act as ({@code pg_has_role(..., 'MEMBER')}: inherited or reached by {@code SET ROLE}).
 *
 * <p>Policies are judged by meaning, not by words: their expressions must print as one of the equalities
 * {@link TenantPolicy} documents (stamped or not). They are also checked by behaviour: inside the verifier's own
 * transaction, which it rolls back, it binds no tenant and then an unknown one and reads one row of each tenant
 * table the role can select; any row is a finding.
 *
 * <p>Instances are immutable and thread-safe; each {@link #verify()} reads the catalog afresh.
 */
public final class IsolationVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(IsolationVerifier.class);
  private static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final DataSource dataSource;
  private final String tenantColumn;
  private final String setting;
  private final Set<String> schemas;
  private final Set<String> exemptTables;
  private final PoolerCheck poolerCheck;
  private final Duration poolerProbeTimeout;

  private IsolationVerifier(Builder builder) {
    this.dataSource = builder.dataSource;
    this.tenantColumn = builder.tenantColumn != null ? builder.tenantColumn : TenantPolicy.DEFAULT_TENANT_COLUMN;
    this.setting = builder.setting != null ? builder.setting
        : builder.settingOf != null ? builder.settingOf : Settings.DEFAULT;
    this.schemas = builder.schemas != null ? builder.schemas : Set.of();
    this.exemptTables = builder.exemptTables != null ? builder.exemptTables : Set.of();
    this.poolerCheck = builder.poolerCheck != null ? builder.poolerCheck : PoolerCheck.DETECT;
    this.poolerProbeTimeout = builder.poolerProbeTimeout != null ? builder.poolerProbeTimeout
        : DEFAULT_PROBE_TIMEOUT;
  }

  /**
   * Starts configuring a verifier.
   *
   * @param applicationDataSource the application's {@code DataSource}, connecting as the application role; the
   *     verifier borrows at most two connections at a time and returns them. A {@link TenantDataSource} may be
   *     given: the verifier reads the catalog through the pool it wraps (catalog reads need no tenant) and takes
   *     the setting from it unless {@link Builder#setting} says otherwise
   * @return a single-use builder
   */
  public static Builder builder(DataSource applicationDataSource) {
    Objects.requireNonNull(applicationDataSource, "applicationDataSource");
    if (applicationDataSource instanceof TenantDataSource tenantDataSource) {
      Builder builder = new Builder(tenantDataSource.delegate());
      builder.settingOf = tenantDataSource.setting();
      return builder;
    }
    return new Builder(applicationDataSource);
  }

  /**
   * Reads the catalog and, unless {@link PoolerCheck#SKIP skipped}, probes for a transaction pooler.
   *
   * @return every finding; never throws for findings
   * @throws SQLException if the database cannot be reached or a catalog query fails
   */
  public IsolationReport verify() throws SQLException {
    Catalog catalog;
    OptionalInt threshold;
    Analysis analysis;
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        catalog = Catalog.read(connection, tenantColumn);
        threshold = PgJdbc.prepareThreshold(connection);
        Map<Long, String> visible = catalog.role.superuser() || catalog.role.bypassRls() ? Map.of()
            : VisibilityProbe.run(connection, setting,
                new Analysis(catalog, tenantColumn, setting, schemas, exemptTables).protectedTables().values());
        analysis = new Analysis(catalog, tenantColumn, setting, schemas, exemptTables, visible);
      } catch (SQLException e) {
        if (PoolerProbe.isStatementClash(e)) {
          throw new SQLException("reading the catalog failed with '" + e.getMessage() + "': pgjdbc's named prepared"
              + " statements are reaching server connections that did not prepare them, so a transaction-mode"
              + " pooler is in front of the database; add prepareThreshold=0 to the JDBC URL, or enable"
              + " max_prepared_statements in PgBouncer 1.21+", e.getSQLState(), e);
        }
        throw e;
      } finally {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
      }
    }
    List<Finding> findings = new ArrayList<>(analysis.run());
    // The probe runs after the catalog connection went back, so a pool of two is enough.
    PoolerDetection pooler = switch (poolerCheck) {
      case DETECT -> PoolerProbe.detect(dataSource, poolerProbeTimeout);
      case ASSUME_TRANSACTION_POOLER -> PoolerDetection.declared(threshold);
      case SKIP -> null;
    };
    if (pooler != null && pooler.transactionPoolerDetected()) {
      String database = Identifiers.quote(catalog.database);
      // Behind a transaction pooler no check-in hook runs between clients, so session objects cannot be cleared.
      findings.replaceAll(f -> f.kind() != Finding.Kind.TEMPORARY_ON_DATABASE ? f
          : new Finding(f.kind(), Finding.Severity.ERROR, f.object(), f.message() + "; a transaction-mode pooler is"
              + " in front of the database (" + pooler.evidence() + "), so no pool check-in can drop them between"
              + " clients"));
      if (pooler.statementClash()) {
        // Not a risk but an observed failure, so it stops startup like an error would.
        findings.add(new Finding(Finding.Kind.PREPARE_THRESHOLD_BEHIND_POOLER, Finding.Severity.ERROR, database,
            pooler.evidence() + "; pgjdbc's prepareThreshold is " + (pooler.prepareThreshold().isPresent()
                ? pooler.prepareThreshold().getAsInt() : "unknown") + ", so queries will fail at random with"
            + " \"prepared statement S_n already exists\" or run with another statement's parameters; add"
            + " prepareThreshold=0 to the JDBC URL unless the pooler tracks prepared statements (PgBouncer 1.21+"
            + " with max_prepared_statements > 0)"));
      } else if (pooler.prepareThreshold().isPresent() && pooler.prepareThreshold().getAsInt() > 0) {
        findings.add(Finding.of(Finding.Kind.PREPARE_THRESHOLD_BEHIND_POOLER, database, "a transaction-mode pooler"
            + " is in front of database " + database + " (" + pooler.evidence() + ") and pgjdbc's"
            + " prepareThreshold is " + pooler.prepareThreshold().getAsInt() + ", so named server-side prepared"
            + " statements can land on the wrong server connection (\"prepared statement S_1 does not exist\");"
            + " add prepareThreshold=0 to the JDBC URL unless the pooler tracks prepared statements (PgBouncer"
            + " 1.21+ with max_prepared_statements > 0)"));
      }
    }
    return new IsolationReport(catalog.role.name(), catalog.database, findings, pooler);
  }

  /**
   * Verifies and throws if any finding is an {@link Finding.Severity#ERROR error}; warnings are logged. Call it
   * at startup so the application refuses to serve tenants from a database that would leak.
   *
   * @return the report, which may still hold warnings
   * @throws IsolationException if the report has errors; its message lists every finding
   * @throws SQLException if the database cannot be reached or a catalog query fails
   */
  public IsolationReport requireIsolated() throws SQLException {
    IsolationReport report = verify();
    if (report.hasErrors()) {
      throw new IsolationException(report);
    }
    for (Finding warning : report.warnings()) {
      LOG.warn("{}", warning);
    }
    return report;
  }

  /**
   * Probes whether a transaction-mode pooler sits between {@code dataSource} and PostgreSQL, waiting at most five
   * seconds for a pooled server connection; see {@link #detectPooler(DataSource, Duration)}.
   *
   * @param dataSource the application's {@code DataSource}
   * @return what the probe saw
   * @throws SQLException if a connection cannot be opened or a probe query fails
   */
  public static PoolerDetection detectPooler(DataSource dataSource) throws SQLException {
    return detectPooler(dataSource, DEFAULT_PROBE_TIMEOUT);
  }

  /**
   * Probes whether a transaction-mode pooler sits between {@code dataSource} and PostgreSQL. It runs two
   * transactions on one connection and compares {@code pg_backend_pid()}, while a second connection holds a
   * transaction open so the pooler cannot simply hand the first server connection back. It needs two connections
   * at once (with only one it falls back to the weaker comparison) and leaves both as it found them.
   *
   * @param dataSource the application's {@code DataSource}
   * @param timeout how long the second transaction may wait for a server connection; waiting longer means a
   *     pooler with a single server connection
   * @return what the probe saw, including pgjdbc's {@code prepareThreshold} when available
   * @throws SQLException if a connection cannot be opened or a probe query fails
   */
  public static PoolerDetection detectPooler(DataSource dataSource, Duration timeout) throws SQLException {
    Objects.requireNonNull(dataSource, "dataSource");
    DataSource probed = dataSource instanceof TenantDataSource t ? t.delegate() : dataSource;
    return PoolerProbe.detect(probed, checkTimeout(timeout));
  }

  private static Duration checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("timeout must be positive and at most " + Integer.MAX_VALUE
          + " ms but was " + timeout);
    }
    return timeout;
  }

  /** How the verifier finds out whether a transaction-mode pooler is in front of the database. */
  public enum PoolerCheck {
    /** Probe with {@link IsolationVerifier#detectPooler(DataSource, Duration)}; needs two connections at once. */
    DETECT,
    /** The application says it connects through a transaction-mode pooler; no probe runs. */
    ASSUME_TRANSACTION_POOLER,
    /** No pooler check and no pooler findings. */
    SKIP
  }

  /**
   * Configures an {@link IsolationVerifier}. Each option may be set at most once and {@link #build()} may be called
   * once; a builder is not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable String tenantColumn;
    private @Nullable String setting;
    private @Nullable Set<String> schemas;
    private @Nullable Set<String> exemptTables;
    private @Nullable PoolerCheck poolerCheck;
    private @Nullable Duration poolerProbeTimeout;
    private @Nullable String settingOf;
    private final BuilderState state = new BuilderState("IsolationVerifier.Builder");

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * Sets the column that marks a tenant table; defaults to {@value TenantPolicy#DEFAULT_TENANT_COLUMN}.
     *
     * @param column a plain identifier
     * @return this builder
     * @throws IllegalArgumentException if {@code column} is not a plain identifier
     * @throws IllegalStateException if it was already set
     */
    public Builder tenantColumn(String column) {
      state.setOnce("tenantColumn", tenantColumn);
      tenantColumn = Identifiers.requireName("tenantColumn", column);
      return this;
    }

    /**
     * Sets the custom setting the policies must read; defaults to the setting of the {@link TenantDataSource}
     * given to {@link IsolationVerifier#builder(DataSource)}, else {@value TenantPolicy#DEFAULT_SETTING}.
     *
     * @param name two or more identifiers joined by dots, as PostgreSQL accepts for a custom setting
     * @return this builder
     * @throws IllegalArgumentException if PostgreSQL would refuse {@code name} as a custom setting
     * @throws IllegalStateException if it was already set
     */
    public Builder setting(String name) {
      state.setOnce("setting", setting);
      setting = Settings.requireValid(name);
      return this;
    }

    /**
     * Limits the tenant tables checked to these schemas; by default every schema except {@code pg_catalog},
     * {@code information_schema} and the toast and temporary schemas. Views and partitions of checked tables are
     * checked wherever they live.
     *
     * @param names schema names, exactly as in the catalog
     * @return this builder
     * @throws IllegalArgumentException if no name is given or a name is blank
     * @throws IllegalStateException if schemas were already set
     */
    public Builder schemas(String... names) {
      state.setOnce("schemas", schemas);
      schemas = names("schemas", names);
      return this;
    }

    /**
     * Exempts tables (or views) that are deliberately shared by all tenants, such as the {@code tenants} table
     * itself, from every check; views over them are not flagged either. By default nothing is exempt.
     *
     * @param tables {@code schema.table}, or a bare table name to exempt that name in every schema
     * @return this builder
     * @throws IllegalArgumentException if no name is given or a name is blank
     * @throws IllegalStateException if exemptions were already set
     */
    public Builder exemptTables(String... tables) {
      state.setOnce("exemptTables", exemptTables);
      exemptTables = names("exemptTables", tables);
      return this;
    }

    /**
     * Sets how a transaction-mode pooler is detected; defaults to {@link PoolerCheck#DETECT}.
     *
     * @param check the mode
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder poolerCheck(PoolerCheck check) {
      state.setOnce("poolerCheck", poolerCheck);
      poolerCheck = Objects.requireNonNull(check, "check");
      return this;
    }

    /**
     * Sets how long the pooler probe's second transaction may wait for a server connection; defaults to five
     * seconds. Only meaningful with {@link PoolerCheck#DETECT}.
     *
     * @param timeout a positive duration of at most {@code Integer.MAX_VALUE} milliseconds
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive or too long
     * @throws IllegalStateException if it was already set
     */
    public Builder poolerProbeTimeout(Duration timeout) {
      state.setOnce("poolerProbeTimeout", poolerProbeTimeout);
      poolerProbeTimeout = checkTimeout(timeout);
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @return the immutable verifier
     * @throws IllegalStateException if this builder already built one, or {@code poolerProbeTimeout} was set with a
     *     pooler check other than {@link PoolerCheck#DETECT}
     */
    public IsolationVerifier build() {
      state.build();
      if (poolerProbeTimeout != null && poolerCheck != null && poolerCheck != PoolerCheck.DETECT) {
        throw new IllegalStateException("poolerProbeTimeout(" + poolerProbeTimeout + ") has no effect with poolerCheck("
            + poolerCheck + "); remove it or use PoolerCheck.DETECT");
      }
      return new IsolationVerifier(this);
    }

    private static Set<String> names(String option, String... names) {
      Objects.requireNonNull(names, option);
      if (names.length == 0) {
        throw new IllegalArgumentException(option + " needs at least one name");
      }
      Set<String> result = new LinkedHashSet<>();
      for (String name : names) {
        Objects.requireNonNull(name, option);
        if (name.isBlank()) {
          throw new IllegalArgumentException(option + " must not contain a blank name but was '" + name + "'");
        }
        result.add(name);
      }
      return Set.copyOf(result);
    }
  }
}
