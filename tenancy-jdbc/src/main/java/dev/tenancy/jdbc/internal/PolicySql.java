package dev.tenancy.jdbc.internal;

import java.util.List;

/**
 * The text of the row-level-security SQL that {@link dev.tenancy.jdbc.TenantPolicy} generates, from already quoted
 * names, so the binding (which sets the stamp) and the verifier (which compares policies read from the catalog
 * with the generated ones) use the same text.
 */
public final class PolicySql {

  /**
   * The per-transaction stamp: the transaction's start as the text of a number of seconds, which does not depend
   * on DateStyle or TimeZone. {@link dev.tenancy.jdbc.TenantDataSource} sets {@link Settings#stampOf(String)} to it
   * beside the tenant.
   */
  public static final String STAMP = "extract(epoch from transaction_timestamp())::text";

  private PolicySql() {}

  /**
   * Renders the tenant predicate used in {@code USING} and {@code WITH CHECK}.
   *
   * @param quotedColumn the tenant column, quoted as needed
   * @param columnType the column's type, checked by {@link Identifiers#requireType(String)}
   * @param setting a valid setting name
   * @return the predicate
   */
  public static String predicate(String quotedColumn, String columnType, String setting) {
    // The sub-select makes the planner evaluate the setting once as an InitPlan; nullif turns the '' left behind
    // by a committed set_config(..., true) into NULL, so "no tenant" matches nothing instead of failing a cast.
    // The WHERE accepts the value only with this transaction's stamp: a value set for the session (SET, ALTER
    // ROLE ... SET, a leftover on a pooled connection) has no such stamp and matches nothing.
    return quotedColumn + " = (SELECT nullif(current_setting(" + Identifiers.literal(setting) + ", true), '')::"
        + columnType + " WHERE current_setting(" + Identifiers.literal(Settings.stampOf(setting)) + ", true) = "
        + STAMP + ")";
  }

  /**
   * Renders the statements of one table's policy; the verifier uses this for names it read from the catalog.
   *
   * @param quotedTable the table, schema-qualified and quoted as needed
   * @param quotedColumn the tenant column, quoted as needed
   * @param columnType the column's type
   * @param setting a valid setting name
   * @param quotedPolicy the policy's name, quoted as needed
   * @return the statements, in the order to run them
   */
  public static List<String> render(String quotedTable, String quotedColumn, String columnType, String setting,
      String quotedPolicy) {
    String predicate = predicate(quotedColumn, columnType, setting);
    return List.of(
        "ALTER TABLE " + quotedTable + " ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE " + quotedTable + " FORCE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS " + quotedPolicy + " ON " + quotedTable,
        "CREATE POLICY " + quotedPolicy + " ON " + quotedTable + " AS PERMISSIVE FOR ALL TO PUBLIC\n"
            + "  USING (" + predicate + ")\n"
            + "  WITH CHECK (" + predicate + ")",
        // A sub-select is not allowed in a column default, so here the setting is read directly.
        "ALTER TABLE " + quotedTable + " ALTER COLUMN " + quotedColumn + " SET DEFAULT nullif(current_setting("
            + Identifiers.literal(setting) + ", true), '')::" + columnType);
  }
}
