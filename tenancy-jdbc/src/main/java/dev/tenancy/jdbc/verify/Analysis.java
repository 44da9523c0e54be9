package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.verify.Catalog.ForeignKey;
import dev.tenancy.jdbc.verify.Catalog.Index;
import dev.tenancy.jdbc.verify.Catalog.Membership;
import dev.tenancy.jdbc.verify.Catalog.Policy;
import dev.tenancy.jdbc.verify.Catalog.Table;
import dev.tenancy.jdbc.verify.Catalog.ViewEdge;
import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.internal.Identifiers;
import dev.tenancy.jdbc.internal.PolicySql;
import dev.tenancy.jdbc.internal.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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


  private final Catalog catalog;
  private final String tenantColumn;
  private final String setting;
  private final Set<String> schemas;
  private final Set<String> exemptions;
  private final Map<Long, String> visibleWithoutTenant;
  private final Map<Long, Table> tablesByOid = new HashMap<>();
  private final Map<Long, List<Policy>> policiesByTable = new HashMap<>();

  Analysis(Catalog catalog, String tenantColumn, String setting, Set<String> schemas, Set<String> exemptions) {
    this(catalog, tenantColumn, setting, schemas, exemptions, Map.of());
  }

  /**
   * Analyses a snapshot.
   *
   * @param visibleWithoutTenant per table oid, what the behaviour probe saw: rows visible to the application role
   *     with no tenant or an unknown tenant bound
   */
  Analysis(Catalog catalog, String tenantColumn, String setting, Set<String> schemas, Set<String> exemptions,
      Map<Long, String> visibleWithoutTenant) {
    this.visibleWithoutTenant = visibleWithoutTenant;
    this.catalog = catalog;
    this.tenantColumn = tenantColumn;
    this.setting = setting;
    this.schemas = schemas;
    this.exemptions = exemptions;
    for (Table table : catalog.tables) {
      tablesByOid.put(table.oid(), table);
    }
    for (Policy policy : catalog.policies) {
      policiesByTable.computeIfAbsent(policy.tableOid(), oid -> new ArrayList<>()).add(policy);
    }
  }

  /**
   * The tables the checks cover: tenant tables in the checked schemas that are not exempt, and their partitions.
   *
   * @return tenant tables first, then partitions, keyed by oid
   */
  Map<Long, Table> protectedTables() {
    Map<Long, Table> tenantTables = new LinkedHashMap<>();
    for (Table table : catalog.tables) {
      if (!table.partition() && !exempt(table.schema(), table.name())
          && (schemas.isEmpty() || schemas.contains(table.schema()))) {
        tenantTables.put(table.oid(), table);
      }
    }
    Map<Long, Table> result = new LinkedHashMap<>(tenantTables);
    for (Table table : catalog.tables) {
      if (table.partition() && !exempt(table.schema(), table.name())) {
        Table root = root(table);
        if (root != null && tenantTables.containsKey(root.oid())) {
          result.put(table.oid(), table);
        }
      }
    }
    return result;
  }

  List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    Map<Long, Table> protectedTables = protectedTables();
    for (Table table : protectedTables.values()) {
      if (table.partition()) {
        partitionFindings(table, findings);
        continue;
      }
      for (Issue issue : postureIssues(table)) {
        findings.add(Finding.of(issue.kind(), table.qualified(), issue.message()));
      }
      indexFindings(table, findings);
      foreignKeyFindings(table, findings);
    }
    for (Table table : protectedTables.values()) {
      privilegeFindings(table, findings);
      String seen = visibleWithoutTenant.get(table.oid());
      if (seen != null) {
        findings.add(Finding.of(Kind.ROWS_VISIBLE_WITHOUT_TENANT, table.qualified(), "with " + seen + " bound,"
            + " role " + Identifiers.quote(catalog.role.name()) + " still reads rows of " + table.qualified()
            + ", so its policies admit rows that belong to no bound tenant (a fail-open policy such as coalesce("
            + "setting, " + columnName() + "), or a policy that ignores the setting); replace every permissive"
            + " policy on it with: " + oneLine(generated(table).get(3))));
      }
    }
    roleFindings(protectedTables.values(), findings);
    viewFindings(protectedTables, findings);
    settingFindings(findings);
    databaseAndSchemaFindings(protectedTables.values(), findings);
    functionFindings(protectedTables.values(), findings);
    foreignTableFindings(findings);
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
        if (covers(policy, command) && policy.using() != null && !scoped(policy.using(), table)
            && !restrictedByTenant(applicable, command, false, table)) {
          wideReads.add(commandName(command));
        }
      }
      if (!wideReads.isEmpty()) {
        issues.add(new Issue(Kind.POLICY_NOT_TENANT_SCOPED, "permissive policy " + Identifiers.quote(policy.name())
            + " (FOR " + commandName(policy.command()) + ") on " + name + " has USING (" + policy.using()
            + "), which is not one of the equalities of " + columnName() + " (" + table.columnType()
            + ") with current_setting('" + setting + "') that TenantPolicy generates (a CASE, coalesce, OR, another"
            + " operator or setting can admit other tenants' rows); permissive policies are OR-ed, so "
            + String.join(", ", wideReads)
            + " reach other tenants' rows; drop or narrow it: DROP POLICY " + Identifiers.quote(policy.name())
            + " ON " + name + ", keeping one policy with USING (" + predicate(table) + ")"));
      }
      List<String> wideWrites = new ArrayList<>();
      String check = writeCheck(policy);
      for (char command : WRITE_COMMANDS) {
        if (covers(policy, command) && check != null && !scoped(check, table)
            && !restrictedByTenant(applicable, command, true, table)) {
          wideWrites.add(commandName(command));
        }
      }
      if (!wideWrites.isEmpty()) {
        String source = policy.withCheck() != null ? "WITH CHECK (" + check + ")"
            : "no WITH CHECK, so PostgreSQL checks new rows with its USING (" + check + ")";
        issues.add(new Issue(Kind.POLICY_WITHOUT_TENANT_CHECK, "permissive policy "
            + Identifiers.quote(policy.name()) + " (FOR " + commandName(policy.command()) + ") on " + name
            + " has " + source + ", which is not one of the equalities of " + columnName() + " with"
            + " current_setting('" + setting + "') that TenantPolicy generates, so " + String.join(", ", wideWrites) + " can write rows for another tenant; give it WITH CHECK ("
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
      String exclusion = index.constraintType() == 'x' ? index.constraint() : null;
      if (exclusion != null && Arrays.stream(key).noneMatch(attnum -> attnum == table.tenantAttnum())) {
        findings.add(Finding.of(Kind.EXCLUSION_CONSTRAINT_WITHOUT_TENANT, table.qualified(), "exclusion constraint "
            + Identifiers.quote(exclusion) + " on " + table.qualified() + " (" + index.constraintDefinition()
            + ") does not include " + columnName() + "; it is checked across all tenants, so a conflict error tells"
            + " one tenant that another holds an overlapping row and blocks its insert; add the tenant column with"
            + " equality (needs the btree_gist extension for a GiST index): ALTER TABLE " + table.qualified()
            + " DROP CONSTRAINT " + Identifiers.quote(exclusion) + ", ADD EXCLUDE USING gist ("
            + columnName() + " WITH =, ...)"));
      }
      if (index.unique() && Arrays.stream(key).noneMatch(attnum -> attnum == table.tenantAttnum())) {
        String constraint = index.constraint();
        String what = index.primary() && constraint != null ? "primary key " + Identifiers.quote(constraint)
            : constraint != null ? "unique constraint " + Identifiers.quote(constraint)
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
    String privileged = partition.privilegedVia();
    if (privileged == null) {
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
        + through(privileged)
        + ", and a query that names the partition is checked against the partition's own row-level security, not"
        + " the parent's; it has " + String.join(", ", problems) + "; revoke direct access (REVOKE ALL ON "
        + partition.qualified() + " FROM " + Identifiers.quote(catalog.role.name())
        + (isMe(privileged) ? "" : " or from " + Identifiers.quote(privileged))
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
    if (catalog.role.createRole() && !catalog.role.superuser()) {
      findings.add(Finding.of(Kind.ROLE_PRIVILEGE_AROUND_RLS, role, "role " + role + " has CREATEROLE, and on"
          + " PostgreSQL 15 a CREATEROLE role can grant itself any role that is not a superuser, including the"
          + " owner of the tenant tables (GRANT <owner> TO " + role + "; SET ROLE <owner>; ALTER TABLE ... NO FORCE"
          + " ROW LEVEL SECURITY); run: ALTER ROLE " + role + " NOCREATEROLE"));
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
      String member = Identifiers.quote(membership.role());
      String via = Identifiers.quote(membership.via());
      String path = membership.via().equals(membership.role()) ? "" : " through " + via;
      if (Catalog.SERVER_ACCESS_ROLES.contains(membership.role())) {
        findings.add(Finding.of(Kind.ROLE_PRIVILEGE_AROUND_RLS, member, "role " + role + " is a member of " + member
            + path + ", which reads, writes or runs files on the database server as its operating-system user"
            + " (COPY ... FROM PROGRAM, COPY ... FROM '<file>'): the tables' data files, and every tenant's rows in"
            + " them, are outside row-level security; run: REVOKE " + via + " FROM " + role));
        continue;
      }
      if (membership.createRole() && !membership.superuser()) {
        findings.add(Finding.of(Kind.ROLE_PRIVILEGE_AROUND_RLS, member, "role " + role + " is a member of " + member
            + path + ", which has CREATEROLE; after SET ROLE " + member + " it can grant itself the owner of the"
            + " tenant tables and turn their row-level security off; run: REVOKE " + via + " FROM " + role
            + " (or ALTER ROLE " + member + " NOCREATEROLE)"));
      }
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
      findings.add(Finding.of(Kind.ROLE_MEMBER_OF_PRIVILEGED_ROLE, member, "role " + role + " is a member of "
          + member + (membership.via().equals(membership.role()) ? "" : " through " + via) + ", which "
          + String.join(" and ", reasons) + "; with SET ROLE " + member + " (or inherited privileges) any SQL on"
          + " the application's connections escapes row-level security; run: REVOKE " + via + " FROM " + role));
    }
  }

  private void privilegeFindings(Table table, List<Finding> findings) {
    String role = Identifiers.quote(catalog.role.name());
    String truncate = table.truncateVia();
    String trigger = table.triggerVia();
    String references = table.referencesVia();
    if (truncate != null) {
      findings.add(Finding.of(Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, table.qualified(), "role " + role + " has TRUNCATE"
          + " on " + table.qualified() + through(truncate) + ", and TRUNCATE is not subject to row-level"
          + " security: one tenant empties the table for every tenant; run: REVOKE TRUNCATE ON " + table.qualified()
          + " FROM " + Identifiers.quote(truncate)));
    }
    if (trigger != null) {
      findings.add(Finding.of(Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, table.qualified(), "role " + role + " has TRIGGER"
          + " on " + table.qualified() + through(trigger) + ", so it can attach a trigger that sees"
          + " every row other tenants write (NEW and OLD are not filtered by row-level security); run: REVOKE"
          + " TRIGGER ON " + table.qualified() + " FROM " + Identifiers.quote(trigger)));
    }
    if (references != null && table.hasUniqueKey()) {
      findings.add(Finding.of(Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, table.qualified(), "role " + role + " has"
          + " REFERENCES on " + table.qualified() + through(references) + ", so a table of its own can"
          + " hold a foreign key to it, and referential checks ignore row-level security: inserting a key tells"
          + " whether another tenant's row exists; run: REVOKE REFERENCES ON " + table.qualified() + " FROM "
          + Identifiers.quote(references)));
    }
  }

  private void settingFindings(List<Finding> findings) {
    String stamp = Settings.stampOf(setting);
    for (Catalog.StoredSetting stored : catalog.storedSettings) {
      int equals = stored.entry().indexOf('=');
      String name = equals < 0 ? stored.entry() : stored.entry().substring(0, equals);
      if (!name.equalsIgnoreCase(setting) && !name.equalsIgnoreCase(stamp)) {
        continue;
      }
      String role = stored.role().isEmpty() ? "ALL" : Identifiers.quote(stored.role());
      String database = Identifiers.quote(stored.database());
      String where;
      String fix;
      if (stored.role().isEmpty() && stored.database().isEmpty()) {
        where = "for every role in every database";
        fix = "ALTER ROLE ALL RESET " + name;
      } else if (stored.role().isEmpty()) {
        where = "on database " + database;
        fix = "ALTER DATABASE " + database + " RESET " + name;
      } else if (stored.database().isEmpty()) {
        where = "on role " + role;
        fix = "ALTER ROLE " + role + " RESET " + name;
      } else {
        where = "on role " + role + " in database " + database;
        fix = "ALTER ROLE " + role + " IN DATABASE " + database + " RESET " + name;
      }
      findings.add(Finding.of(Kind.TENANT_SETTING_STORED_DEFAULT, stored.role().isEmpty() ? database : role,
          "a default " + stored.entry() + " is stored " + where + ", so every new session starts bound to that"
          + " value before the application binds anything: connections without a tenant (metadata, migrations,"
          + " BIND_NONE) read that tenant's rows unless every policy checks the per-transaction stamp; run: "
          + fix));
    }
  }

  private void databaseAndSchemaFindings(Collection<Table> tables, List<Finding> findings) {
    String role = Identifiers.quote(catalog.role.name());
    String database = Identifiers.quote(catalog.database);
    String temporary = catalog.temporaryVia;
    if (temporary != null && !tables.isEmpty()) {
      findings.add(Finding.of(Kind.TEMPORARY_ON_DATABASE, database, "role " + role + " may create temporary"
          + " tables in database " + database + through(temporary) + "; a temporary table outlives the"
          + " transaction and its tenant binding, so the next tenant on the same server session (the next pool"
          + " checkout, or another client behind a transaction pooler) can read it, and one named like a tenant"
          + " table shadows it (pg_temp comes first on the search path) and captures the next tenant's rows; run:"
          + " REVOKE TEMPORARY ON DATABASE " + database + " FROM PUBLIC, " + Identifiers.quote(temporary)));
    }
    Set<String> tenantSchemas = new LinkedHashSet<>();
    for (Table table : tables) {
      tenantSchemas.add(table.schema());
    }
    for (Catalog.Schema schema : catalog.schemas) {
      if (!tenantSchemas.contains(schema.name())) {
        continue;
      }
      String name = Identifiers.quote(schema.name());
      String owner = schema.ownerVia();
      String create = schema.createVia();
      if (owner != null) {
        findings.add(Finding.of(Kind.SCHEMA_OWNED_OR_WRITABLE, name, "role " + role + " owns schema " + name
            + (isMe(owner) ? "" : " through " + Identifiers.quote(owner))
            + ", which holds tenant tables, and a schema's owner may drop any table in it (every tenant's rows at"
            + " once) whoever owns the table; run: ALTER SCHEMA " + name + " OWNER TO <migration role>"));
      } else if (create != null) {
        findings.add(Finding.of(Kind.SCHEMA_OWNED_OR_WRITABLE, name, "role " + role + " may CREATE in schema "
            + name + through(create) + ", which holds tenant tables: a function or operator it creates"
            + " there can capture calls that the owner's migrations or definer functions resolve through the"
            + " search path (a look-alike = makes a re-created policy true for every row); run: REVOKE CREATE ON"
            + " SCHEMA " + name + " FROM " + Identifiers.quote(create)));
      }
    }
  }

  private void functionFindings(Collection<Table> tables, List<Finding> findings) {
    String role = Identifiers.quote(catalog.role.name());
    Map<String, List<String>> ownedByRole = new TreeMap<>();
    for (Table table : tables) {
      ownedByRole.computeIfAbsent(table.owner(), owner -> new ArrayList<>()).add(table.qualified());
    }
    if (tables.isEmpty()) {
      return;
    }
    for (Catalog.Function function : catalog.functions) {
      String execute = function.executeVia();
      if (execute == null) {
        continue;
      }
      if (function.leakproof()) {
        findings.add(Finding.of(Kind.LEAKPROOF_FUNCTION, function.signature(), "function " + function.signature()
            + " is marked LEAKPROOF and role " + role + " can execute it" + through(execute)
            + "; the planner may run a cheap leakproof function on rows before the row-level-security policy has"
            + " filtered them, so a function that raises, logs or stores its argument shows other tenants' values;"
            + " run: ALTER FUNCTION " + function.signature() + " NOT LEAKPROOF"));
      }
      if (function.securityDefiner()) {
        List<String> reasons = new ArrayList<>();
        if (function.ownerSuperuser()) {
          reasons.add("is a superuser");
        }
        if (function.ownerBypassRls()) {
          reasons.add("has BYPASSRLS");
        }
        List<String> owned = ownedByRole.get(function.owner());
        if (owned != null) {
          reasons.add("owns tenant table(s) " + String.join(", ", owned));
        }
        if (reasons.isEmpty()) {
          continue;
        }
        findings.add(Finding.of(Kind.SECURITY_DEFINER_FUNCTION, function.signature(), "function "
            + function.signature() + " is SECURITY DEFINER and role " + role + " can execute it"
            + through(execute) + "; it runs as its owner " + Identifiers.quote(function.owner())
            + ", which " + String.join(" and ", reasons) + ", so whatever it reads or writes is not limited to"
            + " the bound tenant; run: ALTER FUNCTION " + function.signature() + " SECURITY INVOKER, or REVOKE"
            + " EXECUTE ON FUNCTION " + function.signature() + " FROM PUBLIC, "
            + Identifiers.quote(execute)));
      }
    }
  }

  private void foreignTableFindings(List<Finding> findings) {
    String role = Identifiers.quote(catalog.role.name());
    for (Catalog.ForeignTable table : catalog.foreignTables) {
      String via = table.via();
      if (via == null || exempt(table.schema(), table.name())
          || !(schemas.isEmpty() || schemas.contains(table.schema()))) {
        continue;
      }
      findings.add(Finding.of(Kind.FOREIGN_TABLE_WITH_TENANT_COLUMN, table.qualified(), "foreign table "
          + table.qualified() + " has " + columnName() + " and role " + role + " can use it"
          + through(via) + "; row-level security cannot be enabled on a foreign table and the remote side"
          + " runs as the user mapping's role, so every tenant's remote rows are reachable; run: REVOKE ALL ON "
          + table.qualified() + " FROM " + Identifiers.quote(via) + " (and serve it through a"
          + " security_invoker view that filters by " + columnName() + ", or a table with a tenant policy)"));
    }
  }

  /**
   * " (through role R ...)" when the privilege is held by a role other than the application role itself, which
   * it reaches by inheritance or, with a NOINHERIT membership, by SET ROLE.
   */
  private String through(@Nullable String via) {
    return via == null || isMe(via) ? "" : " (through role " + Identifiers.quote(via) + ", which it can act as"
        + " by inheritance or SET ROLE)";
  }

  private boolean isMe(@Nullable String via) {
    return via != null && via.equals(catalog.role.name());
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
      String select = view.selectVia();
      if (!source.containsKey(view.oid()) || !reported.add(view.oid()) || select == null
          || exempt(view.schema(), view.name())) {
        continue;
      }
      String base = source.get(view.oid());
      if (view.kind() == 'm') {
        findings.add(Finding.of(Kind.MATERIALIZED_VIEW_OVER_TENANT_TABLE, view.qualified(), "materialized view "
            + view.qualified() + " stores rows of tenant table " + base + " and cannot have row-level security,"
            + " and role " + role + " can read it" + through(select) + ", so it sees every tenant's rows;"
            + " run: REVOKE SELECT ON " + view.qualified() + " FROM " + Identifiers.quote(select)
            + " (and serve it through a security_invoker view that filters by "
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
   * Whether a policy expression pins the tenant column to the configured setting, judged by what PostgreSQL
   * prints for it ({@code pg_get_expr} with the search path set to {@code pg_catalog}, so a look-alike function
   * or operator from another schema prints qualified and cannot match). Accepted are exactly the forms
   * {@link TenantPolicy} generates for the column's type, stamped or not, alone or as one conjunct of a top-level
   * {@code AND}; everything else (a {@code CASE}, {@code coalesce}, another operator, an {@code OR}, another
   * setting) is not.
   */
  boolean scoped(String expression, Table table) {
    return PolicyForms.isTenantEquality(expression, columnName(), table.columnType(), setting);
  }

  private boolean restrictedByTenant(List<Policy> applicable, char command, boolean write, Table table) {
    // Restrictive policies are AND-ed with the permissive ones, so one that pins the tenant makes wide
    // permissive policies harmless for that command.
    for (Policy policy : applicable) {
      if (policy.permissive() || !covers(policy, command)) {
        continue;
      }
      String expression = write ? writeCheck(policy) : policy.using();
      if (expression != null && scoped(expression, table)) {
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
    return PolicySql.predicate(columnName(), table.columnType(), setting);
  }

  private static String oneLine(String sql) {
    return sql.replace("\n  ", " ");
  }

  private List<String> generated(Table table) {
    return PolicySql.render(table.qualified(), columnName(), table.columnType(), setting,
        Identifiers.quote(TenantPolicy.DEFAULT_POLICY_NAME));
  }
}
