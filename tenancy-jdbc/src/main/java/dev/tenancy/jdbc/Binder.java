package dev.tenancy.jdbc;

import dev.tenancy.NoTenantException;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.util.Optional;
import java.util.regex.Pattern;

/** The immutable configuration of a {@link TenantDataSource} and the SQL it sends. */
final class Binder {

  /** Statements (at the start of the SQL or after a semicolon) that may end a transaction or undo a binding. */
  private static final Pattern TRANSACTION_CONTROL = Pattern.compile(
      "(?is)(?:^|;)\\s*(?:(?:/\\*.*?\\*/|--[^\\n]*\\n)\\s*)*(?:rollback|abort|commit|end|begin|start|release|prepare\\s+transaction"
          + "|call|do|\\{\\s*(?:\\?\\s*=\\s*)?call)\\b");

  final BindingMode mode;
  final String setting;
  final NoTenantPolicy noTenantPolicy;
  /** Prepended to a prepared statement: its one parameter is the tenant, so the user's indexes shift by one. */
  final String preparedPrefix;
  final String localBindSql;
  final String sessionBindSql;
  private final String literalPrefixStart;

  Binder(BindingMode mode, String setting, NoTenantPolicy noTenantPolicy) {
    this.mode = mode;
    this.setting = setting;
    this.noTenantPolicy = noTenantPolicy;
    this.preparedPrefix = "SELECT set_config('" + setting + "', ?, true); ";
    this.localBindSql = "SELECT set_config('" + setting + "', ?, true)";
    this.sessionBindSql = "SELECT set_config('" + setting + "', ?, false)";
    this.literalPrefixStart = "SELECT set_config('" + setting + "', '";
  }

  Connection open(Connection target) throws SQLException {
    BindingConnection connection = new BindingConnection(this, target);
    if (mode == BindingMode.SESSION) {
      try {
        connection.bindSessionAtCheckout();
      } catch (SQLException | RuntimeException e) {
        try {
          target.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
    return connection.proxy;
  }

  /** The value to bind for the current context: the tenant id, or '' when allowed to run without tenant. */
  String tenantValue() throws SQLException {
    Optional<TenantId> tenant = TenantContext.current();
    if (tenant.isPresent()) {
      return tenant.get().value();
    }
    if (noTenantPolicy == NoTenantPolicy.BIND_NONE) {
      return "";
    }
    NoTenantException cause;
    try {
      TenantContext.require();
      throw new IllegalStateException("unreachable: no tenant but require() returned");
    } catch (NoTenantException e) {
      cause = e;
    }
    throw new SQLInvalidAuthorizationSpecException("statement refused: " + cause.getMessage()
        + " (TenantDataSource binds the tenant to every transaction; use NoTenantPolicy.BIND_NONE to run "
        + "statements that must see no tenant rows)", "28000", cause);
  }

  /**
   * The binding statement as a literal, for plain {@link java.sql.Statement}s that have no parameters. Safe to
   * inline: the value is a validated tenant id ({@code [a-z0-9][a-z0-9_-]*}) or empty, so it has no quotes.
   */
  String literalPrefix(String value) {
    return literalPrefixStart + value + "', true); ";
  }

  static boolean isTransactionControl(String sql) {
    return TRANSACTION_CONTROL.matcher(sql).find();
  }

  void bind(Connection target, String sql, String value) throws SQLException {
    try (PreparedStatement statement = target.prepareStatement(sql)) {
      statement.setString(1, value);
      statement.execute();
    }
  }
}
