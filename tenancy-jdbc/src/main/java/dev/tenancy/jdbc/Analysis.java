package dev.tenancy.jdbc;

import dev.tenancy.jdbc.Catalog.ForeignKey;
import dev.tenancy.jdbc.Catalog.Index;
import dev.tenancy.jdbc.Catalog.Membership;
import dev.tenancy.jdbc.Catalog.Policy;
import dev.tenancy.jdbc.Catalog.Table;
import dev.tenancy.jdbc.Catalog.ViewEdge;
import dev.tenancy.jdbc.Finding.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Turns a {@link Catalog} snapshot into findings. Pure: no I/O, so every rule is deterministic. */
final class Analysis {

  private static final char SELECT = 'r';
  private static final char INSERT = 'a';
  private static final char UPDATE = 'w';
  private static final char DELETE = 'd';
  private static final char ALL = '*';
  private static final char[] COMMANDS = {SELECT, INSERT, UPDATE, DELETE};
  private static final char[] READ_COMMANDS = {SELECT, UPDATE, DELETE};
  private static final char[] WRITE_COMMANDS = {INSERT, UPDATE};

  private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");
  private static final Pattern OR = Pattern.compile("(?i)\\bOR\\b");

  private final Catalog catalog;
  private final String tenantColumn;
  private final String setting;
  private final Set<String> schemas;
  private final Set<String> exemptions;
  private final Pattern columnReference;
  private final Map<Long, Table> tablesByOid = new HashMap<>();
  private final Map<Long, List<Policy>> policiesByTable = new HashMap<>();

  Analysis(Catalog catalog, String tenantColumn, String setting, Set<String> schemas, Set<String> exemptions) {
    this.catalog = catalog;
    this.tenantColumn = tenantColumn;
    this.setting = setting;
    this.schemas = schemas;
    this.exemptions = exemptions;
    String column = Pattern.quote(Identifiers.quote(tenantColumn));
    // pg_get_expr prints the column bare or double-quoted; the look-arounds keep "other_tenant_id" or a setting
    // name like 'x.tenant_id' from counting as a reference.
    this.columnReference = Pattern.compile("(?<![A-Za-z0-9_$.\"])" + column + "(?![A-Za-z0-9_$\"])");
    for (Table table : catalog.tables) {
      tablesByOid.put(table.oid(), table);
    }
    for (Policy policy : catalog.policies) {
      policiesByTable.computeIfAbsent(policy.tableOid(), oid -> new ArrayList<>()).add(policy);
    }
  }

  List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    Map<Long, Table> tenantTables = new LinkedHashMap<>();
    Map<Long, Table> partitions = new LinkedHashMap<>();
    for (Table table : catalog.tables) {
      if (exempt(table.schema(), table.name())) {
        continue;
      }
      if (!table.partition()) {
        if (schemas.isEmpty() || schemas.contains(table.schema())) {
          tenantTables.put(table.oid(), table);
        }
      }
    }
    for (Table table : catalog.tables) {
      if (table.partition() && !exempt(table.schema(), table.name())) {
        Table root = root(table);
        if (root != null && tenantTables.containsKey(root.oid())) {
          partitions.put(table.oid(), table);
        }
      }
    }
    for (Table table : tenantTables.values()) {
      for (Issue issue : postureIssues(table)) {
        findings.add(Finding.of(issue.kind(), table.qualified(), issue.message()));
      }
      indexFindings(table, findings);
      foreignKeyFindings(table, findings);
    }
    for (Table partition : partitions.values()) {
      partitionFindings(partition, findings);
    }
    Map<Long, Table> protectedTables = new LinkedHashMap<>(tenantTables);
    protectedTables.putAll(partitions);
    roleFindings(protectedTables.values(), findings);
    viewFindings(protectedTables, findings);
    return findings;
  }

  /** A problem of one table's row-level security, before it is attributed to a table or a partition. */
  private record Issue(Kind kind, String message) {}

  private List<Issue> postureIssues(Table table) {
    List<Issue> issues = new ArrayList<>();
    String name = table.qualified();
    if (!table.rowSecurity()) {
      issues.add(new Issue(Kind.RLS_NOT_ENABLED, "row-level security is disabled on " + name
          + ", so its policies are ignored and every role with table privileges reads and writes all tenants'"
          + " rows; run: ALTER TABLE " + name + " ENABLE ROW LEVEL SECURITY"
          + " (TenantPolicy.forTable(\"" + table.schema() + "." + table.name() + "\") generates the full set)"));
    }
    if (!table.forced()) {
      issues.add(new Issue(Kind.RLS_NOT_FORCED, "row-level security is not forced on " + name
          + ", so its owner " + Identifiers.quote(table.owner()) + " and every view owned by it bypass the"
          + " policies; run: ALTER TABLE " + name + " FORCE ROW LEVEL SECURITY"));
    }
    List<Policy> all = policiesByTable.getOrDefault(table.oid(), List.of());
    if (all.isEmpty()) {
      issues.add(new Issue(Kind.NO_POLICY, name + " has no row-level security policy, so while row-level"
          + " security is on no role subject to it can read or write a row, and once it is off every role sees"
          + " every tenant; run: " + oneLine(generated(table).get(3))));
      return issues;
    }
    List<Policy> applicable = all.stream().filter(Policy::appliesToRole).toList();
    for (Policy policy : applicable) {
      if (!policy.permissive()) {
        continue;
      }
      List<String> wideReads = new ArrayList<>();
      for (char command : READ_COMMANDS) {
        if (covers(policy, command) && policy.using() != null && !scoped(policy.using())
            && !restrictedByTenant(applicable, command, false)) {
          wideReads.add(commandName(command));
        }
      }
      if (!wideReads.isEmpty()) {
        issues.add(new Issue(Kind.POLICY_NOT_TENANT_SCOPED, "permissive policy " + Identifiers.quote(policy.name())
            + " (FOR " + commandName(policy.command()) + ") on " + name + " has USING (" + policy.using()
            + "), which does not restrict " + columnName() + " to current_setting('" + setting
            + "') without an OR branch; permissive policies are OR-ed, so " + String.join(", ", wideReads)
            + " reach other tenants' rows; drop or narrow it: DROP POLICY " + Identifiers.quote(policy.name())
            + " ON " + name + ", keeping one policy with USING (" + predicate(table) + ")"));
      }
      List<String> wideWrites = new ArrayList<>();
      String check = writeCheck(policy);
      for (char command : WRITE_COMMANDS) {
        if (covers(policy, command) && check != null && !scoped(check)
            && !restrictedByTenant(applicable, command, true)) {
          wideWrites.add(commandName(command));
        }
      }
      if (!wideWrites.isEmpty()) {
        String source = policy.withCheck() != null ? "WITH CHECK (" + check + ")"
            : "no WITH CHECK, so PostgreSQL checks new rows with its USING (" + check + ")";
        issues.add(new Issue(Kind.POLICY_WITHOUT_TENANT_CHECK, "permissive policy "
            + Identifiers.quote(policy.name()) + " (FOR " + commandName(policy.command()) + ") on " + name
            + " has " + source + ", which does not pin " + columnName() + " to current_setting('" + setting
            + "'), so " + String.join(", ", wideWrites) + " can write rows for another tenant; give it WITH CHECK ("
            + predicate(table) + ")"));
      }
    }
    List<String> uncovered = new ArrayList<>();
    for (char command : COMMANDS) {
      boolean granted = applicable.stream().anyMatch(p -> p.permissive() && covers(p, command)
          && (command == INSERT ? writeCheck(p) != null : p.using() != null));
      if (!granted) {
        uncovered.add(commandName(command));
      }
    }
    if (!uncovered.isEmpty()) {
      issues.add(new Issue(Kind.COMMAND_NOT_COVERED, "no permissive policy on " + name + " grants "
          + String.join(", ", uncovered) + " to role " + Identifiers.quote(catalog.role.name())
          + ", so those commands match no rows (fail closed); if the application needs them, use one FOR ALL"
          + " policy such as: " + oneLine(generated(table).get(3))));
    }
    return issues;
  }

  private void indexFindings(Table table, List<Finding> findings) {
    boolean leadingIndex = false;
    for (Index index : catalog.indexes) {
      if (index.tableOid() != table.oid()) {
        continue;
      }
      int[] key = index.keyAttnums();
      if (key.length > 0 && key[0] == table.tenantAttnum()) {
        leadingIndex = true;
      }
      if (index.unique() && Arrays.stream(key).noneMatch(attnum -> attnum == table.tenantAttnum())) {
        String what = index.primary() ? "primary key " + Identifiers.quote(index.constraint())
            : index.constraint() != null ? "unique constraint " + Identifiers.quote(index.constraint())
            : "unique index " + Identifiers.quote(index.name());
        findings.add(Finding.of(Kind.UNIQUE_KEY_WITHOUT_TENANT, table.qualified(), what + " on "
            + table.qualified() + " (" + index.definition() + ") does not include " + columnName()
            + "; uniqueness is checked across all tenants, so a duplicate-key error tells one tenant that another"
            + " has the value and blocks its insert; make " + columnName() + " the first key column, for example "
            + (index.constraint() != null
                ? "ALTER TABLE " + table.qualified() + " DROP CONSTRAINT " + Identifiers.quote(index.constraint())
                    + ", ADD " + (index.primary() ? "PRIMARY KEY" : "UNIQUE") + " (" + columnName() + ", ...)"
                : "DROP INDEX " + Identifiers.quote(table.schema(), index.name()) + "; CREATE UNIQUE INDEX ON "
                    + table.qualified() + " (" + columnName() + ", ...)")));
      }
    }
    if (!leadingIndex) {
      findings.add(Finding.of(Kind.TENANT_COLUMN_NOT_INDEXED, table.qualified(), "no index on " + table.qualified()
          + " starts with " + columnName() + ", so every query, filtered by the policy, scans the whole table;"
          + " lead the primary key with it (PRIMARY KEY (" + columnName() + ", id)) or run: CREATE INDEX ON "
          + table.qualified() + " (" + columnName() + ", ...)"));
    }
  }

  private void foreignKeyFindings(Table table, List<Finding> findings) {
    for (ForeignKey key : catalog.foreignKeys) {
      if (key.tableOid() != table.oid()) {
        continue;
      }
      Table referenced = tablesByOid.get(key.referencedOid());
      if (referenced == null || exempt(referenced.schema(), referenced.name())) {
        continue; // a shared table: pointing at it from any tenant is the point
      }
      if (Arrays.stream(key.columns()).noneMatch(attnum -> attnum == table.tenantAttnum())) {
        findings.add(Finding.of(Kind.FOREIGN_KEY_WITHOUT_TENANT, table.qualified(), "foreign key "
            + Identifiers.quote(key.name()) + " on " + table.qualified() + " (" + key.definition()
            + ") references tenant table " + referenced.qualified() + " without " + columnName()
            + "; referential checks ignore row-level security, so a row can point at another tenant's row and"
            + " the error for a missing key reveals which keys exist; reference (" + columnName()
            + ", ...) instead, backed by a unique key (" + columnName() + ", ...) on " + referenced.qualified()));
      }
    }
  }

  private void partitionFindings(Table partition, List<Finding> findings) {
    if (!partition.appPrivileged()) {
      return; // reachable only through the parent, whose policies then apply
    }
    List<String> problems = postureIssues(partition).stream()
        .filter(issue -> issue.kind().defaultSeverity() == Finding.Severity.ERROR)
        .map(issue -> issue.kind().name())
        .toList();
    if (problems.isEmpty()) {
      return;
    }
    Table root = root(partition);
    String parent = root != null ? root.qualified() : "its parent";
    findings.add(Finding.of(Kind.PARTITION_UNPROTECTED, partition.qualified(), "partition " + partition.qualified()
        + " of " + parent + " is granted to role " + Identifiers.quote(catalog.role.name())
        + ", and a query that names the partition is checked against the partition's own row-level security, not"
        + " the parent's; it has " + String.join(", ", problems) + "; revoke direct access (REVOKE ALL ON "
        + partition.qualified() + " FROM " + Identifiers.quote(catalog.role.name())
        + ") or protect it too: " + oneLine(String.join("; ", generated(partition)))));
  }

  private void roleFindings(Iterable<Table> tables, List<Finding> findings) {
    String role = Identifiers.quote(catalog.role.name());
    if (catalog.role.superuser()) {
      findings.add(Finding.of(Kind.ROLE_SUPERUSER, role, "role " + role + " is a superuser, and superusers bypass"
          + " row-level security even when it is forced; connect as an ordinary role (LOGIN NOSUPERUSER"
          + " NOBYPASSRLS, not the owner of the tables) or run: ALTER ROLE " + role + " NOSUPERUSER"));
    }
    if (catalog.role.bypassRls()) {
      findings.add(Finding.of(Kind.ROLE_BYPASSRLS, role, "role " + role + " has BYPASSRLS, so no policy applies"
          + " to it; run: ALTER ROLE " + role + " NOBYPASSRLS"));
    }
    Map<String, List<String>> ownedByRole = new TreeMap<>();
    for (Table table : tables) {
      if (table.owner().equals(catalog.role.name())) {
        findings.add(Finding.of(Kind.ROLE_OWNS_TENANT_TABLE, table.qualified(), "role " + role + " owns "
            + table.qualified() + ", and an owner can turn its row-level security off or drop its policies"
            + " (ALTER TABLE ... NO FORCE ROW LEVEL SECURITY); give the table to the role that runs migrations:"
            + " ALTER TABLE " + table.qualified() + " OWNER TO <migration role>"));
      }
      ownedByRole.computeIfAbsent(table.owner(), owner -> new ArrayList<>()).add(table.qualified());
    }
    for (Membership membership : catalog.memberships) {
      Set<String> reasons = new LinkedHashSet<>();
      if (membership.superuser()) {
        reasons.add("is a superuser");
      }
      if (membership.bypassRls()) {
        reasons.add("has BYPASSRLS");
      }
      List<String> owned = ownedByRole.get(membership.role());
      if (owned != null) {
        reasons.add("owns tenant table(s) " + String.join(", ", owned));
      }
      if (reasons.isEmpty()) {
        continue;
      }
      String member = Identifiers.quote(membership.role());
      String via = Identifiers.quote(membership.via());
      findings.add(Finding.of(Kind.ROLE_MEMBER_OF_PRIVILEGED_ROLE, member, "role " + role + " is a member of "
          + member + (membership.via().equals(membership.role()) ? "" : " through " + via) + ", which "
          + String.join(" and ", reasons) + "; with SET ROLE " + member + " (or inherited privileges) any SQL on"
          + " the application's connections escapes row-level security; run: REVOKE " + via + " FROM " + role));
    }
  }

  private void viewFindings(Map<Long, Table> protectedTables, List<Finding> findings) {
    // Taint spreads from tenant tables through views and materialized views until nothing changes, so a view
    // over a view over a tenant table is caught too.
    Map<Long, String> source = new HashMap<>();
    protectedTables.forEach((oid, table) -> source.put(oid, table.qualified()));
    boolean changed = true;
    while (changed) {
      changed = false;
      for (ViewEdge edge : catalog.viewEdges) {
        if (!source.containsKey(edge.oid()) && source.containsKey(edge.baseOid())) {
          source.put(edge.oid(), source.get(edge.baseOid()));
          changed = true;
        }
      }
    }
    Set<Long> reported = new HashSet<>();
    String role = Identifiers.quote(catalog.role.name());
    for (ViewEdge view : catalog.viewEdges) {
      if (!source.containsKey(view.oid()) || !reported.add(view.oid()) || !view.appCanSelect()
          || exempt(view.schema(), view.name())) {
        continue;
      }
      String base = source.get(view.oid());
      if (view.kind() == 'm') {
        findings.add(Finding.of(Kind.MATERIALIZED_VIEW_OVER_TENANT_TABLE, view.qualified(), "materialized view "
            + view.qualified() + " stores rows of tenant table " + base + " and cannot have row-level security,"
            + " and role " + role + " can read it, so it sees every tenant's rows; run: REVOKE SELECT ON "
            + view.qualified() + " FROM " + role + " (and serve it through a security_invoker view that filters by "
            + columnName() + "), or replace it with a table that has a tenant policy"));
      } else if (!view.securityInvoker()) {
        findings.add(Finding.of(Kind.VIEW_NOT_SECURITY_INVOKER, view.qualified(), "view " + view.qualified()
            + " reads tenant table " + base + " with the rights of its owner, so row-level security is checked for"
            + " the owner instead of role " + role + " (a superuser, BYPASSRLS or unforced owner sees every"
            + " tenant); run: ALTER VIEW " + view.qualified() + " SET (security_invoker = true)"));
      }
    }
  }

  /**
   * Whether a policy expression pins the tenant column to the setting. Deliberately textual and strict: it must
   * mention the column and {@code current_setting('<setting>'}, compare with {@code =}, and have no {@code OR}
   * (outside string literals), since an OR branch can widen access and stops the planner using the tenant index.
   */
  boolean scoped(String expression) {
    String code = STRING_LITERAL.matcher(expression).replaceAll("''");
    return !OR.matcher(code).find()
        && code.contains("=")
        && columnReference.matcher(code).find()
        && expression.contains("current_setting(" + Identifiers.literal(setting));
  }

  private boolean restrictedByTenant(List<Policy> applicable, char command, boolean write) {
    // Restrictive policies are AND-ed with the permissive ones, so one that pins the tenant makes wide
    // permissive policies harmless for that command.
    for (Policy policy : applicable) {
      if (policy.permissive() || !covers(policy, command)) {
        continue;
      }
      String expression = write ? writeCheck(policy) : policy.using();
      if (expression != null && scoped(expression)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The expression PostgreSQL checks new rows against: WITH CHECK if present, else USING. That fallback is what
   * rowsecurity.c does for every policy; for FOR INSERT policies USING is always absent, so an INSERT policy
   * without WITH CHECK admits nothing.
   */
  private static @Nullable String writeCheck(Policy policy) {
    return policy.withCheck() != null ? policy.withCheck() : policy.using();
  }

  private static boolean covers(Policy policy, char command) {
    return policy.command() == ALL || policy.command() == command;
  }

  private static String commandName(char command) {
    return switch (command) {
      case SELECT -> "SELECT";
      case INSERT -> "INSERT";
      case UPDATE -> "UPDATE";
      case DELETE -> "DELETE";
      default -> "ALL";
    };
  }

  private @Nullable Table root(Table table) {
    Table current = table;
    for (int depth = 0; current != null && current.partition() && depth < 64; depth++) {
      current = tablesByOid.get(current.parentOid());
    }
    return current;
  }

  private boolean exempt(String schema, String name) {
    return exemptions.contains(name) || exemptions.contains(schema + "." + name);
  }

  private String columnName() {
    return Identifiers.quote(tenantColumn);
  }

  private String predicate(Table table) {
    return TenantPolicy.predicate(columnName(), table.columnType(), setting);
  }

  private static String oneLine(String sql) {
    return sql.replace("\n  ", " ");
  }

  private List<String> generated(Table table) {
    return TenantPolicy.render(table.qualified(), columnName(), table.columnType(), setting,
        Identifiers.quote(TenantPolicy.DEFAULT_POLICY_NAME));
  }
}
