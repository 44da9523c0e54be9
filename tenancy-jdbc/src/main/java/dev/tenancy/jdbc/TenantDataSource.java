package dev.tenancy.jdbc;

import dev.tenancy.TenantContext;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} decorator that binds the tenant of {@link TenantContext} to every transaction, so that
 * PostgreSQL row-level security policies (see {@link TenantPolicy}) confine every statement — JDBC, JdbcTemplate,
 * jOOQ, MyBatis, Hibernate, native SQL — to the current tenant's rows.
 *
 * <pre>{@code
 * DataSource dataSource = TenantDataSource.wrap(hikariDataSource);
 * try (TenantScope scope = TenantContext.open(TenantId.of("acme"));
 *      Connection connection = dataSource.getConnection()) {
 *   connection.createStatement().executeQuery("select * from invoices");   // acme's invoices only
 * }
 * }</pre>
 *
 * <p>In the default {@link BindingMode#TRANSACTION} mode the tenant is bound transaction-locally, in the same
 * round trip as the first statement of each transaction (and of each autocommit statement): the statement is
 * sent as {@code SELECT set_config('tenancy.tenant_id', ?, true); <your SQL>}, so binding costs no extra round
 * trip. Statements that cannot be combined (batches, statements returning generated keys, stored procedure
 * calls) are preceded by a separate binding statement. The binding is re-checked before every statement: a
 * statement under another tenant's scope in the same transaction re-binds first, and a statement with no tenant
 * is refused (or, with {@link NoTenantPolicy#BIND_NONE}, sees nothing).
 *
 * <p>Connections and statements from this data source must be used through the objects it returns; objects
 * obtained with {@code unwrap} bypass the binding by design.
 *
 * <p>Thread-safe. Connections, like all JDBC connections, are for one thread at a time.
 */
public final class TenantDataSource implements DataSource {

  /** The default name of the PostgreSQL setting that carries the tenant id. */
  public static final String DEFAULT_SETTING = Settings.DEFAULT;


  private final DataSource delegate;
  private final Binder binder;

  private TenantDataSource(DataSource delegate, Binder binder) {
    this.delegate = delegate;
    this.binder = binder;
  }

  /**
   * Wraps {@code delegate} with the defaults: transaction mode, setting {@value #DEFAULT_SETTING}, statements
   * without tenant refused.
   *
   * @param delegate the pool or data source to wrap, e.g. a {@code HikariDataSource}
   * @return the tenant-binding data source
   */
  public static TenantDataSource wrap(DataSource delegate) {
    return builder(delegate).build();
  }

  /**
   * Starts configuring a tenant-binding data source over {@code delegate}.
   *
   * @param delegate the pool or data source to wrap
   * @return a builder
   */
  public static Builder builder(DataSource delegate) {
    return new Builder(delegate);
  }

  /**
   * Returns a connection whose statements run with the current tenant bound.
   *
   * @return the connection
   * @throws SQLException if the delegate fails, or in session mode when no tenant is in context and the policy
   *     is {@link NoTenantPolicy#REFUSE}
   */
  @Override
  public Connection getConnection() throws SQLException {
    return binder.open(delegate.getConnection());
  }

  /**
   * Returns a connection for other credentials whose statements run with the current tenant bound.
   *
   * @param username the user
   * @param password the password
   * @return the connection
   * @throws SQLException as {@link #getConnection()}
   */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return binder.open(delegate.getConnection(username, password));
  }

  /**
   * Returns the binding mode.
   *
   * @return the mode
   */
  public BindingMode mode() {
    return binder.mode;
  }

  /**
   * Returns the name of the PostgreSQL setting that carries the tenant.
   *
   * @return the setting name
   */
  public String setting() {
    return binder.setting;
  }

  /**
   * Returns the wrapped data source.
   *
   * @return the delegate
   */
  public DataSource delegate() {
    return delegate;
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || delegate.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return "TenantDataSource[" + binder.mode + ", " + binder.setting + ", " + delegate + "]";
  }

  /** Configures a {@link TenantDataSource}; each option may be set once, and the builder used once. */
  public static final class Builder {
    private final DataSource delegate;
    private BindingMode mode;
    private String setting;
    private NoTenantPolicy noTenantPolicy;
    private boolean behindPooler;
    private final BuilderState state = new BuilderState("TenantDataSource.Builder");

    private Builder(DataSource delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Sets how the tenant is bound; default {@link BindingMode#TRANSACTION}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(BindingMode mode) {
      Objects.requireNonNull(mode, "mode");
      state.setOnce("mode", this.mode);
      this.mode = mode;
      return this;
    }

    /**
     * Sets the PostgreSQL setting that carries the tenant; default {@value TenantDataSource#DEFAULT_SETTING}.
     * It must be the setting your policies read.
     *
     * @param setting two or more identifiers joined by dots, such as {@code app.tenant_id}; the same rule as
     *     {@link TenantPolicy.Builder#setting(String)}
     * @return this builder
     */
    public Builder setting(String setting) {
      Objects.requireNonNull(setting, "setting");
      state.setOnce("setting", this.setting);
      this.setting = Settings.requireValid(setting);
      return this;
    }

    /**
     * Sets what happens to statements run with no tenant in context; default {@link NoTenantPolicy#REFUSE}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder noTenantPolicy(NoTenantPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      state.setOnce("noTenantPolicy", this.noTenantPolicy);
      this.noTenantPolicy = policy;
      return this;
    }

    /**
     * Declares that connections go through a pooler in transaction mode (PgBouncer, RDS Proxy): session mode is
     * then refused, because the next transaction may run on a server connection bound for another tenant. Pair
     * it with {@link ConnectionSettings#TRANSACTION_POOLER}; {@link IsolationVerifier} detects such a pooler.
     *
     * @return this builder
     */
    public Builder behindTransactionPooler() {
      state.setOnce("behindTransactionPooler", behindPooler);
      behindPooler = true;
      return this;
    }

    /**
     * Builds the data source.
     *
     * @return the tenant-binding data source
     * @throws IllegalStateException if called twice, or if session mode is combined with a transaction pooler
     */
    public TenantDataSource build() {
      state.build();
      if (behindPooler && mode == BindingMode.SESSION) {
        throw new IllegalStateException("mode SESSION is unsafe behind a transaction pooler: the pooler hands the "
            + "session to other clients between transactions; use BindingMode.TRANSACTION");
      }
      return new TenantDataSource(delegate, new Binder(
          mode == null ? BindingMode.TRANSACTION : mode,
          setting == null ? DEFAULT_SETTING : setting,
          noTenantPolicy == null ? NoTenantPolicy.REFUSE : noTenantPolicy));
    }
  }
}
