package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.internal.Identifiers;
import dev.tenancy.jdbc.internal.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tenant predicates {@link TenantPolicy} documents, in the exact text PostgreSQL 15's {@code pg_get_expr}
 * prints for them (with {@code search_path = pg_catalog}), per column type, with and without the per-transaction
 * stamp. Policies are judged by equality with these texts, not by searching for words in them: a {@code CASE}, a
 * {@code coalesce}, an operator other than {@code =}, an {@code OR} or a different setting all print differently.
 */
final class PolicyForms {

  private PolicyForms() {}

  /**
   * Whether {@code expression} is a documented tenant equality on {@code quotedColumn}, or a top-level
   * {@code AND} with one as a conjunct (a conjunction can only narrow what the equality admits).
   *
   * @param expression the policy's {@code USING} or {@code WITH CHECK} as printed by {@code pg_get_expr}
   * @param quotedColumn the tenant column, quoted as PostgreSQL prints it
   * @param columnType the column's type as {@code format_type} prints it
   * @param setting the configured setting
   * @return true if rows of other tenants cannot pass it
   */
  static boolean isTenantEquality(String expression, String quotedColumn, String columnType, String setting) {
    String normalized = normalize(expression);
    List<String> forms = forms(quotedColumn, columnType, setting);
    if (forms.contains(normalized)) {
      return true;
    }
    for (String conjunct : conjuncts(normalized)) {
      if (forms.contains(conjunct)) {
        return true;
      }
    }
    return false;
  }

  /** Every accepted text for one column, normalized. */
  static List<String> forms(String quotedColumn, String columnType, String setting) {
    String type = columnType.toLowerCase(Locale.ROOT);
    boolean characterVarying = type.startsWith("character varying");
    List<String> casts = new ArrayList<>();
    casts.add(type);
    if (characterVarying) {
      casts.add("text"); // comparing a varchar column with a text value is the same comparison
    }
    String read = "NULLIF(current_setting(" + Identifiers.literal(setting) + "::text, true), ''::text)";
    String stampCheck = " WHERE (current_setting(" + Identifiers.literal(Settings.stampOf(setting))
        + "::text, true) = (EXTRACT(epoch FROM transaction_timestamp()))::text)";
    List<String> forms = new ArrayList<>();
    for (String cast : casts) {
      String value = cast.equals("text") ? read : "(" + read + ")::" + cast;
      for (boolean stamped : new boolean[] {false, true}) {
        String subSelect = "( SELECT " + value + " AS \"nullif\"" + (stamped ? stampCheck : "") + ")";
        if (characterVarying && cast.equals("text")) {
          forms.add("((" + quotedColumn + ")::text = " + subSelect + ")");
        } else if (characterVarying) {
          forms.add("((" + quotedColumn + ")::text = (" + subSelect + ")::text)");
        } else {
          forms.add("(" + quotedColumn + " = " + subSelect + ")");
        }
      }
    }
    return forms;
  }

  /** Collapses runs of white space (pg_get_expr breaks long sub-selects across lines) to one blank. */
  static String normalize(String expression) {
    return expression.strip().replaceAll("\\s+", " ");
  }

  /**
   * The conjuncts of {@code ((a) AND (b) AND ...)} when the whole text is one parenthesized group made only of
   * parenthesized groups joined by {@code AND} at depth one; an empty list otherwise (an {@code OR}, a
   * {@code CASE} or anything else at that depth makes it not a plain conjunction).
   */
  static List<String> conjuncts(String normalized) {
    if (!normalized.startsWith("(") || closing(normalized, 0) != normalized.length() - 1) {
      return List.of();
    }
    String inner = normalized.substring(1, normalized.length() - 1);
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (i < inner.length()) {
      if (inner.charAt(i) != '(') {
        return List.of();
      }
      int end = closing(inner, i);
      if (end < 0) {
        return List.of();
      }
      parts.add(inner.substring(i, end + 1));
      i = end + 1;
      if (i == inner.length()) {
        break;
      }
      if (!inner.startsWith(" AND ", i)) {
        return List.of();
      }
      i += " AND ".length();
    }
    return parts.size() > 1 ? parts : List.of();
  }

  /** Index of the parenthesis closing the one at {@code open}, skipping string literals and quoted names. */
  private static int closing(String text, int open) {
    int depth = 0;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'' || c == '"') {
        int end = text.indexOf(c, i + 1);
        while (end >= 0 && end + 1 < text.length() && text.charAt(end + 1) == c) {
          end = text.indexOf(c, end + 2);
        }
        if (end < 0) {
          return -1;
        }
        i = end;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }
}
