package dev.tenancy.jdbc.hikari;

import com.zaxxer.hikari.HikariConfig;
import dev.tenancy.jdbc.ConnectionSettings;
import java.util.Objects;

/**
 * Applies {@link ConnectionSettings} to a HikariCP configuration. Kept apart from {@link ConnectionSettings} so
 * that type loads, and reflection over it works (as {@code Enum.valueOf} and configuration binders do), without
 * HikariCP on the class path; this class is only loaded when called.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:postgresql://pgbouncer:6432/app");
 * TenancyHikari.apply(ConnectionSettings.TRANSACTION_POOLER, config);
 * }</pre>
 *
 * <p>Stateless and thread-safe; the configuration it changes is not.
 */
public final class TenancyHikari {

  private TenancyHikari() {}

  /**
   * Applies a preset to a HikariCP configuration, as data source properties, which HikariCP passes to pgjdbc.
   *
   * @param settings the preset
   * @param config the configuration to change
   * @return the same configuration
   * @throws IllegalStateException behind a transaction pooler, if {@code connectionInitSql} is set
   */
  public static HikariConfig apply(ConnectionSettings settings, HikariConfig config) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(config, "config");
    if (settings == ConnectionSettings.TRANSACTION_POOLER && config.getConnectionInitSql() != null) {
      throw new IllegalStateException("connectionInitSql '" + config.getConnectionInitSql() + "' sets session "
          + "state once per physical connection, which a transaction pooler does not keep; remove it and bind "
          + "state per transaction");
    }
    settings.pgjdbcProperties().forEach((name, value) -> config.addDataSourceProperty((String) name, value));
    return config;
  }
}
