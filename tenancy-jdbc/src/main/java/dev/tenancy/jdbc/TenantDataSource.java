package dev.tenancy.jdbc;

import dev.tenancy.TenantContext;
import dev.tenancy.jdbc.internal.BuilderState;
import dev.tenancy.jdbc.internal.Settings;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

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
 * <p>The tenant is bound transaction-locally, in the same round trip as the first statement of each transaction
 * (and of each autocommit statement): the statement is sent as {@code SELECT set_config('tenancy.tenant_id', ?,
 * true), set_config('tenancy.tenant_id_stamp', <the transaction's start>, true); <your SQL>}, so binding costs no
 * extra round trip, and the stamp lets the policy accept the value only inside the transaction that set it.
 * Statements that cannot be combined (batches, statements returning generated keys, stored procedure calls) are
 * preceded by a separate binding statement. <b>A transaction serves one tenant</b>: a statement under another
 * tenant while a transaction is open is refused (SQLState {@code 25000}; commit or roll back first), and a
 * statement with no tenant is refused (or, with {@link NoTenantPolicy#BIND_NONE}, sees nothing). What is bound is
 * tracked per server session (the pgjdbc connection under the pool's handle), so several handles over one
 * session share it. When a transaction of another tenant than the last one starts on a session, the temporary
 * tables and cursors left on it are dropped first ({@code DISCARD TEMP; CLOSE ALL}, one round trip).
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
   * Wraps {@code delegate} with the defaults: setting {@value #DEFAULT_SETTING}, statements
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
   * @throws SQLException if the delegate fails
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
    return "TenantDataSource[" + binder.setting + ", " + delegate + "]";
  }

  /** Configures a {@link TenantDataSource}; each option may be set once, and the builder used once. */
  public static final class Builder {
    private final DataSource delegate;
    private @Nullable String setting;
    private @Nullable NoTenantPolicy noTenantPolicy;
    private boolean behindPooler;
    private final BuilderState state = new BuilderState("TenantDataSource.Builder");

    private Builder(DataSource delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
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
     * Declares that connections go through a pooler in transaction mode (PgBouncer, RDS Proxy). The binding is
     * the same either way (per transaction); the declaration documents the deployment, and pairs with
     * {@link ConnectionSettings#TRANSACTION_POOLER}. Behind such a pooler the session objects cleared on a tenant
     * change ({@code DISCARD TEMP; CLOSE ALL}) are those of whichever server connection the pooler lends at that
     * moment: see the documentation for what stays unguarded there.
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
     * @throws IllegalStateException if called twice
     */
    public TenantDataSource build() {
      state.build();
      return new TenantDataSource(delegate, new Binder(
          setting == null ? DEFAULT_SETTING : setting,
          noTenantPolicy == null ? NoTenantPolicy.REFUSE : noTenantPolicy));
    }
  }
}
