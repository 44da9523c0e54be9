package dev.tenancy.jdbc.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one definition of the custom setting that carries the tenant: its default name, the rule every name must
 * follow, and the name of the per-transaction stamp beside it. {@link dev.tenancy.jdbc.TenantPolicy},
 * {@link dev.tenancy.jdbc.TenantDataSource} and
 * {@link dev.tenancy.jdbc.verify.IsolationVerifier} all use it, so a name one accepts the others accept too.
 */
public final class Settings {

  /** The setting used unless a builder names another. */
  public static final String DEFAULT = "tenancy.tenant_id";

  /** Longest accepted name, leaving room for {@link #stampOf(String)}'s suffix. */
  public static final int MAX_LENGTH = 120;

  private static final String STAMP_SUFFIX = "_stamp";

  // PostgreSQL accepts two or more simple identifiers joined by dots (valid_custom_variable_name); this is the
  // ASCII part of that rule. Quotes, spaces and dashes are impossible, so a name can be put inside a string
  // literal or a set_config call without escaping.
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)+");

  private Settings() {}

  /**
   * Checks a setting name given by a caller.
   *
   * @param name the name, for example {@code tenancy.tenant_id} or {@code app.tenant.id}
   * @return {@code name}
   * @throws IllegalArgumentException if PostgreSQL would refuse it as a custom setting or it is too long
   */
  public static String requireValid(String name) {
    Objects.requireNonNull(name, "setting");
    if (name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("setting must be a custom setting name such as '" + DEFAULT
          + "': two or more identifiers joined by dots, each a letter or '_' followed by letters, digits, '_' or"
          + " '$', at most " + MAX_LENGTH + " characters; but was '" + name + "'");
    }
    return name;
  }

  /**
   * Whether {@link #requireValid(String)} accepts {@code name}.
   *
   * @param name any string
   * @return true if it is a valid setting name
   */
  public static boolean isValid(String name) {
    return name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
  }

  /**
   * The transaction-local setting that stamps a binding with its transaction, so a policy can tell a value bound
   * in this transaction from a session-level leftover.
   *
   * @param setting a valid setting name
   * @return {@code setting + "_stamp"}
   */
  public static String stampOf(String setting) {
    return setting + STAMP_SUFFIX;
  }
}
