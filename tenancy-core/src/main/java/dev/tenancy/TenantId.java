package dev.tenancy;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The identity of a tenant: a validated, immutable value.
 *
 * <p>Syntax: one to 63 characters, each a lowercase ASCII letter, a digit, {@code -} or {@code _}, the first a
 * letter or digit ({@code [a-z0-9][a-z0-9_-]{0,62}}). The syntax is deliberately narrow so that an id can be
 * used, without quoting or escaping, as a PostgreSQL setting value, inside a schema or database name (63 bytes
 * is PostgreSQL's identifier limit), as a DNS label of a subdomain, in a cache key (it contains none of the
 * separators {@code :}, <code>&#123;</code> and <code>&#125;</code>), in an HTTP header and in a log line (no whitespace or control
 * characters). UUIDs in their canonical lowercase form are valid ids.
 *
 * <p>Ids are case-sensitive and never normalised: {@code "Acme"} is rejected rather than silently turned into
 * {@code "acme"}, so two spellings can never name the same tenant by accident.
 *
 * @param value the id text, already valid
 */
public record TenantId(String value) implements Comparable<TenantId> {

  /** The longest id accepted, in characters. */
  public static final int MAX_LENGTH = 63;

  /** The syntax every id matches, as a regular expression. */
  public static final String SYNTAX = "[a-z0-9][a-z0-9_-]{0,62}";

  /**
   * Validates the value.
   *
   * @param value the id, as described above
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} does not match {@link #SYNTAX}
   */
  public TenantId {
    Objects.requireNonNull(value, "value");
    String problem = problem(value);
    if (problem != null) {
      throw new IllegalArgumentException(
          "tenant id must match " + SYNTAX + " but " + problem + ": '" + printable(value) + "'");
    }
  }

  /**
   * Returns the tenant id with the given text.
   *
   * @param value the id text
   * @return the id
   * @throws IllegalArgumentException if {@code value} does not match {@link #SYNTAX}
   */
  public static TenantId of(String value) {
    return new TenantId(value);
  }

  /**
   * Tells whether {@code value} is a valid tenant id, without throwing.
   *
   * @param value any text, possibly null
   * @return true if {@link #of(String)} would accept it
   */
  public static boolean isValid(String value) {
    return value != null && problem(value) == null;
  }

  /** Returns the id text itself, so ids read naturally in logs and messages. */
  @Override
  public String toString() {
    return value;
  }

  @Override
  public int compareTo(TenantId other) {
    return value.compareTo(other.value);
  }

  // A hand-written scan instead of a regex: ids are parsed on every request by the resolvers.
  private static @Nullable String problem(String value) {
    int length = value.length();
    if (length == 0) {
      return "it is empty";
    }
    if (length > MAX_LENGTH) {
      return "it has " + length + " characters (at most " + MAX_LENGTH + ")";
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '-' && c != '_'))) {
        return i == 0 && (c == '-' || c == '_')
            ? "it starts with '" + c + "'"
            : "it has a forbidden character at index " + i;
      }
    }
    return null;
  }

  // Bad input ends up in exception messages and logs: keep it short and free of control characters.
  static String printable(String value) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), 80));
    for (int i = 0; i < value.length() && out.length() < 80; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (out.length() >= 80 && value.length() > 80) {
      out.append("...");
    }
    return out.toString();
  }
}
