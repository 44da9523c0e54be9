package dev.tenancy.jdbc.internal;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation and quoting of SQL identifiers, setting names and type names that end up inside generated SQL. */
public final class Identifiers {

  // Deliberately narrower than what PostgreSQL accepts: anything we emit must be impossible to read as more SQL.
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");
  private static final Pattern SAFE_UNQUOTED = Pattern.compile("[a-z_][a-z0-9_$]*");
  // One word (optionally schema-qualified) or one of the few multi-word built-in names, plus an optional typmod;
  // free word sequences would let "uuid OR true" through.
  private static final Pattern TYPE = Pattern.compile(
      "(?i)([a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?|character varying|bit varying|double precision)"
          + "(\\(\\d{1,4}( ?, ?\\d{1,4})?\\))?");

  /**
   * Every PostgreSQL 15 keyword that is not "unreserved" ({@code pg_get_keywords()} with {@code catcode <> 'U'}).
   * Such words need quotes as a table or column name.
   */
  private static final Set<String> KEYWORDS = Set.of(
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
      "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce",
      "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog",
      "current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "dec",
      "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists", "extract",
      "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping",
      "having", "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is",
      "isnull", "join", "lateral", "leading", "least", "left", "like", "limit", "localtime", "localtimestamp",
      "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric", "offset",
      "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position", "precision",
      "primary", "real", "references", "returning", "right", "row", "select", "session_user", "setof", "similar",
      "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time", "timestamp", "to",
      "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar", "variadic",
      "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
      "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable");

  private Identifiers() {}

  /**
   * Checks a plain identifier given by a caller.
   *
   * @param what the parameter's name, for the message
   * @param value the identifier
   * @return {@code value}
   * @throws IllegalArgumentException if it is not a plain identifier of at most 63 characters
   */
  public static String requireName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " must be a plain identifier matching " + NAME.pattern()
          + " (letters, digits, '_' or '$', at most 63 characters) but was '" + value + "'");
    }
    return value;
  }

  /**
   * Checks {@code name} or {@code schema.name} and returns the quoted, qualified form.
   *
   * @param what the parameter's name, for the message
   * @param value the name
   * @return the quoted, qualified form
   * @throws IllegalArgumentException if it is not one or two plain identifiers joined by a dot
   */
  public static String qualifiedName(String what, String value) {
    Objects.requireNonNull(value, what);
    String[] parts = value.split("\\.", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException(what + " must be 'name' or 'schema.name' but was '" + value + "'");
    }
    for (String part : parts) {
      if (!NAME.matcher(part).matches()) {
        throw new IllegalArgumentException(what + " must be 'name' or 'schema.name', each part matching "
            + NAME.pattern() + ", but was '" + value + "'");
      }
    }
    return parts.length == 1 ? quote(parts[0]) : quote(parts[0]) + "." + quote(parts[1]);
  }

  /**
   * Checks a column type name given by a caller.
   *
   * @param value the type, for example {@code text}, {@code uuid} or {@code character varying(63)}
   * @return the type in lower case
   * @throws IllegalArgumentException if it is not a type name
   */
  public static String requireType(String value) {
    Objects.requireNonNull(value, "columnType");
    if (!TYPE.matcher(value).matches()) {
      throw new IllegalArgumentException("columnType must be a type name such as 'text', 'uuid', 'bigint' or "
          + "'character varying(63)' but was '" + value + "'");
    }
    return value.toLowerCase(Locale.ROOT);
  }

  /**
   * Quotes any catalog name the way {@code quote_ident} does: bare when PostgreSQL would read it back unchanged,
   * otherwise in double quotes with embedded quotes doubled. Safe for names read from the catalog.
   *
   * @param name the name
   * @return the name as it must appear in SQL
   */
  public static String quote(String name) {
    if (SAFE_UNQUOTED.matcher(name).matches() && !KEYWORDS.contains(name)) {
      return name;
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * Quotes {@code schema.name}, each part when needed.
   *
   * @param schema the schema
   * @param name the name in that schema
   * @return the qualified name as it must appear in SQL
   */
  public static String quote(String schema, String name) {
    return quote(schema) + "." + quote(name);
  }

  /**
   * Renders a string literal; only used for values that passed validation or came from the catalog.
   *
   * @param value the text
   * @return the literal, with quotes doubled
   */
  public static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
