package dev.tenancy.jdbc;

import java.util.Map;
import java.util.Properties;

/**
 * pgjdbc and HikariCP settings for the two ways an application reaches PostgreSQL.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:postgresql://pgbouncer:6432/app");
 * TenancyHikari.apply(ConnectionSettings.TRANSACTION_POOLER, config);
 * DataSource dataSource = TenantDataSource.builder(new HikariDataSource(config)).behindTransactionPooler().build();
 * }</pre>
 *
 * <table>
 *   <caption>What each preset sets</caption>
 *   <tr><th>pgjdbc property</th><th>{@link #TRANSACTION_POOLER}</th><th>{@link #DIRECT}</th><th>why</th></tr>
 *   <tr><td>{@code prepareThreshold}</td><td>{@code 0}</td><td>driver default (5)</td><td>PgBouncer before 1.21
 *     (Debian ships 1.18) does not track named server-side prepared statements, so pgjdbc's {@code S_1}
 *     statements land on other server connections: "prepared statement S_1 already exists / does not exist",
 *     or parameters bound to the wrong statement</td></tr>
 *   <tr><td>{@code tcpKeepAlive}</td><td>{@code true}</td><td>{@code true}</td><td>detect dead peers behind
 *     load balancers and poolers</td></tr>
 *   <tr><td>{@code assumeMinServerVersion}</td><td>{@code 9.4}</td><td>{@code 9.4}</td><td>send
 *     {@code application_name} in the startup packet instead of a session {@code SET}</td></tr>
 * </table>
 *
 * <p>{@link dev.tenancy.jdbc.hikari.TenancyHikari#apply(ConnectionSettings, com.zaxxer.hikari.HikariConfig)}
 * applies a preset to a HikariCP configuration; this type itself does not need HikariCP on the class path. Behind
 * a transaction pooler that method also refuses a {@code connectionInitSql}: it runs once per physical connection
 * and sets session state, which the pooler does not keep for the next transaction. Bind per transaction, as
 * {@link TenantDataSource} does, never per checkout.
 */
public enum ConnectionSettings {

  /** A pooler in transaction mode (PgBouncer {@code pool_mode=transaction}, AWS RDS Proxy, Supavisor). */
  TRANSACTION_POOLER(Map.of("prepareThreshold", "0", "tcpKeepAlive", "true", "assumeMinServerVersion", "9.4")),

  /** A direct connection to PostgreSQL (or a pooler in session mode). */
  DIRECT(Map.of("tcpKeepAlive", "true", "assumeMinServerVersion", "9.4"));

  @SuppressWarnings("ImmutableEnumChecker") // every constant passes a Map.of, which is immutable
  private final Map<String, String> properties;

  ConnectionSettings(Map<String, String> properties) {
    this.properties = properties;
  }

  /**
   * Returns the pgjdbc connection properties of this preset, for {@code DriverManager} or a plain data source.
   *
   * @return a new mutable copy
   */
  public Properties pgjdbcProperties() {
    Properties copy = new Properties();
    copy.putAll(properties);
    return copy;
  }
}
