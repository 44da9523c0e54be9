package dev.tenancy.jdbc;

import dev.tenancy.NoTenantException;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.jdbc.internal.PolicySql;
import dev.tenancy.jdbc.internal.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The immutable configuration of a {@link TenantDataSource} and the SQL it sends. */
final class Binder {

  /**
   * Statements that may end a transaction or undo a binding, when they start the SQL or follow a semicolon:
   * rollback, abort, commit, end, begin, start, release, prepare transaction, call, do, reset and discard (which
   * clear settings), and the JDBC escape {@code {call}}. Checked once per statement creation, so it is a plain
   * scan rather than a regular expression.
   */
  private static final String[] TRANSACTION_CONTROL = {
    "rollback", "abort", "commit", "end", "begin", "start", "release", "call", "do", "reset", "discard"
  };

  final String setting;
  final NoTenantPolicy noTenantPolicy;
  /**
   * Prepended to a prepared statement: its one parameter is the tenant, so the user's indexes shift by one. It
   * also stamps the binding with the transaction's start time, so that the policy accepts the value only in the
   * transaction that set it (see {@link TenantPolicy}).
   */
  final String preparedPrefix;
  /** As {@link #preparedPrefix}, clearing the session objects of the previous tenant first, same round trip. */
  final String cleaningPreparedPrefix;
  final String localBindSql;
  private final String literalPrefixStart;
  private final String literalPrefixEnd;

  Binder(String setting, NoTenantPolicy noTenantPolicy) {
    this.setting = setting;
    this.noTenantPolicy = noTenantPolicy;
    String stamp = "set_config('" + Settings.stampOf(setting) + "', " + PolicySql.STAMP + ", true)";
    this.localBindSql = "SELECT set_config('" + setting + "', ?, true), " + stamp;
    this.preparedPrefix = localBindSql + "; ";
    this.cleaningPreparedPrefix = CLEAR_SESSION_OBJECTS + "; " + preparedPrefix;
    this.literalPrefixStart = "SELECT set_config('" + setting + "', '";
    this.literalPrefixEnd = "', true), " + stamp + "; ";
  }

  /** The same binder, except that statements with no tenant run seeing nothing instead of being refused. */
  Binder seeingNothingWithoutTenant() {
    return new Binder(setting, NoTenantPolicy.BIND_NONE);
  }

  Connection open(Connection target) {
    return new BindingConnection(this, target);
  }

  /** The value bound for the current context, or null when there is none and that is refused; never throws. */
  @Nullable String tenantValueOrNull() {
    Optional<TenantId> tenant = TenantContext.current();
    if (tenant.isPresent()) {
      return tenant.get().value();
    }
    return noTenantPolicy == NoTenantPolicy.BIND_NONE ? "" : null;
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
  String literalPrefix(String value, boolean cleaning) {
    return (cleaning ? CLEAR_SESSION_OBJECTS + "; " : "") + literalPrefixStart + value + literalPrefixEnd;
  }

  /**
   * What a tenant change on a server session clears first: temporary tables and cursors ({@code WITH HOLD} ones
   * included). Both may run in a transaction block and return no rows, so they travel in front of the binding in
   * the same round trip; they add {@link #CLEARING_RESULTS} results before the binding's.
   */
  static final String CLEAR_SESSION_OBJECTS = "DISCARD TEMP; CLOSE ALL";
  static final int CLEARING_RESULTS = 2;

  /**
   * True when a statement of {@code sql} may end the transaction or undo the binding: one of the keywords at the
   * start of the SQL or after any semicolon, past white space and comments. It over-matches rather than parse
   * SQL (a semicolon inside a literal counts, a block comment may end at any later {@code * /}, as nested
   * comments do), which only costs one re-binding.
   */
  static boolean isTransactionControl(String sql) {
    if (sql.indexOf(';') < 0 && sql.indexOf("/*") < 0 && sql.indexOf("--") < 0) {
      return startsTransactionControl(sql, skipSpace(sql, 0)); // one statement, no comments: the usual case
    }
    int length = sql.length();
    boolean[] reachable = new boolean[length + 1]; // where a statement's first word may begin
    reachable[0] = true;
    int commentBodyFrom = Integer.MAX_VALUE; // every "*\/" at or after this index may close an open comment
    for (int at = 0; at < length; at++) {
      if (at > 0 && sql.charAt(at - 1) == ';') {
        reachable[at] = true;
      }
      if (at >= 2 && at - 2 >= commentBodyFrom && sql.charAt(at - 2) == '*' && sql.charAt(at - 1) == '/') {
        reachable[at] = true;
      }
      if (!reachable[at]) {
        continue;
      }
      char c = sql.charAt(at);
      if (isSpace(c)) {
        reachable[at + 1] = true;
      } else if (startsTransactionControl(sql, at)) {
        return true;
      } else if (sql.startsWith("/*", at)) {
        commentBodyFrom = Math.min(commentBodyFrom, at + 2);
      } else if (sql.startsWith("--", at)) {
        int end = lineEnd(sql, at + 2);
        if (end >= 0) {
          reachable[end + 1] = true;
        }
      }
    }
    return false;
  }

  /**
   * Where a {@code --} comment starting before {@code from} ends: the first line terminator, which for PostgreSQL's
   * lexer is {@code \n} or {@code \r} (scan.l: {@code newline [\n\r]}); -1 when the comment runs to the end.
   */
  private static int lineEnd(String sql, int from) {
    for (int at = from; at < sql.length(); at++) {
      char c = sql.charAt(at);
      if (c == '\n' || c == '\r') {
        return at;
      }
    }
    return -1;
  }

  private static boolean startsTransactionControl(String sql, int at) {
    if (at >= sql.length()) {
      return false;
    }
    // Every keyword starts with one of these; most SQL (select, insert, update, with) is ruled out here.
    switch (sql.charAt(at)) {
      case 'a', 'A', 'b', 'B', 'c', 'C', 'd', 'D', 'e', 'E', 'p', 'P', 'r', 'R', 's', 'S', '{' -> { }
      default -> {
        return false;
      }
    }
    for (String keyword : TRANSACTION_CONTROL) {
      if (isWord(sql, at, keyword)) {
        return true;
      }
    }
    if (isWord(sql, at, "prepare")) {
      int next = skipSpace(sql, at + "prepare".length());
      return next > at + "prepare".length() && isWord(sql, next, "transaction");
    }
    if (at < sql.length() && sql.charAt(at) == '{') { // {call f(?)} or {? = call f(?)}
      int next = skipSpace(sql, at + 1);
      if (next < sql.length() && sql.charAt(next) == '?') {
        next = skipSpace(sql, next + 1);
        if (next >= sql.length() || sql.charAt(next) != '=') {
          return false;
        }
        next = skipSpace(sql, next + 1);
      }
      return isWord(sql, next, "call");
    }
    return false;
  }

  /**
   * Statements that must open a transaction or stay outside one, and read no tenant rows: sent alone and unbound,
   * as the user wrote them. A binding in front would take the transaction's snapshot before {@code SET TRANSACTION
   * ISOLATION LEVEL} (25001), or put {@code VACUUM} and its kind into a transaction block or a pipeline, which
   * they refuse. Each entry is a sequence of words; {@code null} in a sequence is an optional {@code UNIQUE}.
   */
  private static final String[][] UNBOUND = {
    {"set", "transaction"}, {"set", "session", "characteristics"}, {"start", "transaction"}, {"begin"},
    {"vacuum"}, {"discard"}, {"checkpoint"}, {"alter", "system"}, {"create", "database"}, {"drop", "database"},
    {"create", null, "index", "concurrently"}, {"drop", "index", "concurrently"}, {"reindex"},
  };

  /**
   * True when {@code sql} is one statement (nothing but white space after a semicolon) of a kind that
   * {@link #UNBOUND} lists, past leading white space and comments.
   */
  static boolean runsUnbound(String sql) {
    int semicolon = sql.indexOf(';');
    if (semicolon >= 0 && !sql.substring(semicolon + 1).isBlank()) {
      return false;
    }
    int at = skipSpaceAndComments(sql, 0);
    for (String[] words : UNBOUND) {
      int next = at;
      boolean matched = true;
      for (String word : words) {
        if (word == null) {
          if (isWord(sql, next, "unique")) {
            next = skipSpaceAndComments(sql, next + "unique".length());
          }
          continue;
        }
        if (!isWord(sql, next, word)) {
          matched = false;
          break;
        }
        next = skipSpaceAndComments(sql, next + word.length());
      }
      if (matched) {
        return true;
      }
    }
    return false;
  }

  /** Past white space, {@code --} comments and (nested) block comments. */
  private static int skipSpaceAndComments(String sql, int at) {
    while (at < sql.length()) {
      if (isSpace(sql.charAt(at))) {
        at++;
      } else if (sql.startsWith("--", at)) {
        int end = lineEnd(sql, at + 2);
        at = end < 0 ? sql.length() : end + 1;
      } else if (sql.startsWith("/*", at)) {
        int depth = 1;
        at += 2;
        while (at < sql.length() && depth > 0) {
          if (sql.startsWith("/*", at)) {
            depth++;
            at += 2;
          } else if (sql.startsWith("*/", at)) {
            depth--;
            at += 2;
          } else {
            at++;
          }
        }
      } else {
        return at;
      }
    }
    return at;
  }

  /** {@code word} at {@code at}, in any case, not followed by a letter, digit or underscore. */
  private static boolean isWord(String sql, int at, String word) {
    int end = at + word.length();
    if (!sql.regionMatches(true, at, word, 0, word.length())) {
      return false;
    }
    if (end == sql.length()) {
      return true;
    }
    char next = sql.charAt(end); // ASCII word characters, as SQL keywords are
    return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9')
        || next == '_');
  }

  private static int skipSpace(String sql, int at) {
    while (at < sql.length() && isSpace(sql.charAt(at))) {
      at++;
    }
    return at;
  }

  /** White space as in SQL (and {@code \s} in Java patterns). */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  /** Binds {@code value} transaction-locally with a statement of its own. */
  void bind(Connection target, String value, boolean cleaning) throws SQLException {
    try (PreparedStatement statement = target.prepareStatement(
        cleaning ? CLEAR_SESSION_OBJECTS + "; " + localBindSql : localBindSql)) {
      statement.setString(1, value);
      statement.execute();
    }
  }
}
