package dev.tenancy.jdbc.verify;

import dev.tenancy.jdbc.internal.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the catalog rows the verifier needs, read as the application role. Every table used here
 * ({@code pg_class}, {@code pg_policy}, {@code pg_roles}, {@code pg_auth_members}, {@code pg_index},
 * {@code pg_constraint}, {@code pg_inherits}, {@code pg_rewrite}, {@code pg_depend}, {@code pg_db_role_setting},
 * {@code pg_namespace}, {@code pg_proc}) is readable by any role on PostgreSQL 15, so no administrator connection
 * is needed, and privilege functions answer for the right role.
 */
final class Catalog {

  /** Schemas PostgreSQL owns; the verifier never looks inside them. */
  static final String NON_SYSTEM_SCHEMA = "n.nspname not in ('pg_catalog', 'information_schema')"
      + " and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'";

  /**
   * Every role the current user can act as: itself and every role it is a member of, with INHERIT or without.
   * On PostgreSQL 15 any membership lets the member {@code SET ROLE}, so {@code pg_has_role(..., 'MEMBER')} is the
   * one notion of "can act as" used by every check below; {@code me} marks the current user, preferred when
   * naming the role through which a privilege is reached.
   */
  private static final String ACT_AS = """
      with act_as as (
        select r.oid, r.rolname, r.rolname = current_user as me
          from pg_roles r where pg_has_role(current_user, r.oid, 'MEMBER'))
      """;

  private static final String ROLE = """
      select current_user, current_database(), r.rolsuper, r.rolbypassrls, r.rolcreaterole
        from pg_roles r where r.rolname = current_user""";

  // Shortest path to every role reachable through pg_auth_members; "via" is the directly granted role to revoke.
  private static final String MEMBERSHIPS = """
      with recursive m(roleid, direct, path) as (
        select am.roleid, am.roleid, array[am.roleid]
          from pg_auth_members am join pg_roles me on me.oid = am.member
         where me.rolname = current_user
        union all
        select am.roleid, m.direct, m.path || am.roleid
          from pg_auth_members am join m on am.member = m.roleid
         where not am.roleid = any(m.path)
      )
      select distinct on (r.rolname) r.rolname, r.rolsuper, r.rolbypassrls, d.rolname, r.rolcreaterole
        from m join pg_roles r on r.oid = m.roleid join pg_roles d on d.oid = m.direct
       where pg_has_role(current_user, r.oid, 'MEMBER')
       order by r.rolname, array_length(m.path, 1)""";

  private static final String TABLES = ACT_AS + """
      select c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.relrowsecurity, c.relforcerowsecurity,
             pg_get_userbyid(c.relowner), format_type(a.atttypid, a.atttypmod), a.attnum,
      """ + via("has_table_privilege(x.oid, c.oid, 'SELECT,INSERT,UPDATE,DELETE')") + """
      ,
             (select i.inhparent from pg_inherits i where i.inhrelid = c.oid and c.relispartition),
             has_table_privilege(c.oid, 'SELECT'),
      """ + via("has_table_privilege(x.oid, c.oid, 'TRUNCATE')") + """
      ,
      """ + via("has_table_privilege(x.oid, c.oid, 'TRIGGER')") + """
      ,
      """ + via("has_any_column_privilege(x.oid, c.oid, 'REFERENCES')") + """
      ,
             exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisunique)
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = ? and a.attnum > 0 and not a.attisdropped
       where c.relkind in ('r', 'p')""" + " and " + NON_SYSTEM_SCHEMA;

  // A policy applies to the role when it names PUBLIC (oid 0) or a role the current user can become.
  private static final String POLICIES = """
      select p.polrelid, p.polname, p.polcmd, p.polpermissive,
             (0::oid = any(p.polroles)
               or exists (select 1 from unnest(p.polroles) r where r <> 0 and pg_has_role(r, 'MEMBER'))),
             pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
        from pg_policy p
       where p.polrelid in (select attrelid from pg_attribute where attname = ? and attnum > 0 and not attisdropped)""";

  private static final String INDEXES = """
      select i.indrelid, ic.relname, i.indisunique, i.indisprimary, i.indnkeyatts, i.indkey::text, con.conname,
             pg_get_indexdef(i.indexrelid), coalesce(con.contype, ' '), pg_get_constraintdef(con.oid)
        from pg_index i
        join pg_class ic on ic.oid = i.indexrelid
        left join pg_constraint con
          on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
       where i.indisvalid
         and i.indrelid in (select attrelid from pg_attribute where attname = ? and attnum > 0 and not attisdropped)""";

  private static final String FOREIGN_KEYS = """
      select con.conrelid, con.conname, con.conkey::text, con.confrelid, pg_get_constraintdef(con.oid)
        from pg_constraint con
       where con.contype = 'f'
         and con.conrelid in (select attrelid from pg_attribute where attname = ? and attnum > 0 and not attisdropped)""";

  // Views and materialized views reach their base relations through their rewrite rule's dependencies.
  private static final String VIEW_EDGES = ACT_AS + """
      select distinct v.oid, n.nspname, v.relname, v.relkind,
             coalesce((select o.option_value::boolean from pg_options_to_table(v.reloptions) o
                        where o.option_name = 'security_invoker'), false),
      """ + via("has_table_privilege(x.oid, v.oid, 'SELECT')") + """
      , d.refobjid
        from pg_class v
        join pg_namespace n on n.oid = v.relnamespace
        join pg_rewrite r on r.ev_class = v.oid
        join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
                        and d.refclassid = 'pg_class'::regclass and d.refobjid <> v.oid
       where v.relkind in ('v', 'm')""" + " and " + NON_SYSTEM_SCHEMA;

  // Defaults stored with ALTER ROLE ... SET or ALTER DATABASE ... SET that apply to this role in this database.
  private static final String STORED_SETTINGS = """
      select coalesce(r.rolname, ''), coalesce(d.datname, ''), u.entry
        from pg_db_role_setting s
        left join pg_roles r on r.oid = s.setrole
        left join pg_database d on d.oid = s.setdatabase
        cross join unnest(s.setconfig) u(entry)
       where (s.setrole = 0 or r.rolname = current_user)
         and (s.setdatabase = 0 or d.datname = current_database())""";

  private static final String DATABASE = ACT_AS + "select "
      + via("has_database_privilege(x.oid, current_database(), 'TEMPORARY')");

  private static final String SCHEMAS = ACT_AS + """
      select n.oid, n.nspname, pg_get_userbyid(n.nspowner),
      """ + via("x.oid = n.nspowner") + """
      ,
      """ + via("has_schema_privilege(x.oid, n.oid, 'CREATE')") + """
        from pg_namespace n
       where""" + " " + NON_SYSTEM_SCHEMA;

  // User-defined functions marked LEAKPROOF or SECURITY DEFINER that the role can execute. Extension members are
  // left out: their code comes with the extension, not with the application's schema.
  private static final String FUNCTIONS = ACT_AS + """
      select p.oid::regprocedure::text, pg_get_userbyid(p.proowner), o.rolsuper, o.rolbypassrls, p.proleakproof,
             p.prosecdef,""" + " " + via("has_function_privilege(x.oid, p.oid, 'EXECUTE')") + """
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        join pg_roles o on o.oid = p.proowner
       where (p.proleakproof or p.prosecdef)
         and""" + " " + NON_SYSTEM_SCHEMA + """
         and not exists (select 1 from pg_depend e where e.classid = 'pg_proc'::regclass and e.objid = p.oid
                            and e.deptype = 'e')""";

  private static final String FOREIGN_TABLES = ACT_AS + """
      select n.nspname, c.relname,""" + " "
      + via("has_table_privilege(x.oid, c.oid, 'SELECT,INSERT,UPDATE,DELETE')") + """
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = ? and a.attnum > 0 and not a.attisdropped
       where c.relkind = 'f'""";

  /** Predefined roles that read or run anything on the server host, outside every table's privileges. */
  static final List<String> SERVER_ACCESS_ROLES = List.of(
      "pg_execute_server_program", "pg_read_server_files", "pg_write_server_files");

  /**
   * A sub-select naming a role the current user can act as for which {@code check} (over {@code x.oid}) holds,
   * the current user first; NULL when there is none.
   */
  private static String via(String check) {
    return "(select x.rolname from act_as x where " + check + " order by x.me desc, x.rolname limit 1)\n";
  }

  record Role(String name, boolean superuser, boolean bypassRls, boolean createRole) {}

  record Membership(String role, boolean superuser, boolean bypassRls, String via, boolean createRole) {}

  /**
   * A table with the tenant column. Each {@code ...Via} names a role the application role can act as that holds
   * the privilege (itself when it holds it directly), or is null when none does.
   */
  record Table(long oid, String schema, String name, char kind, boolean partition, boolean rowSecurity,
      boolean forced, String owner, String columnType, int tenantAttnum, @Nullable String privilegedVia,
      long parentOid, boolean appSelects, @Nullable String truncateVia, @Nullable String triggerVia,
      @Nullable String referencesVia, boolean hasUniqueKey) {
    String qualified() {
      return Identifiers.quote(schema, name);
    }
  }

  record Policy(long tableOid, String name, char command, boolean permissive, boolean appliesToRole,
      @Nullable String using, @Nullable String withCheck) {}

  /** An index; {@code constraintType} is {@code p}, {@code u}, {@code x} (exclusion) or a blank. */
  @SuppressWarnings("ArrayRecordComponent") // a catalog row, only read; never compared or hashed
  record Index(long tableOid, String name, boolean unique, boolean primary, int[] keyAttnums,
      @Nullable String constraint, String definition, char constraintType, @Nullable String constraintDefinition) {}

  @SuppressWarnings("ArrayRecordComponent") // a catalog row, only read; never compared or hashed
  record ForeignKey(long tableOid, String name, int[] columns, long referencedOid, String definition) {}

  record ViewEdge(long oid, String schema, String name, char kind, boolean securityInvoker,
      @Nullable String selectVia, long baseOid) {
    String qualified() {
      return Identifiers.quote(schema, name);
    }
  }

  /** One {@code name=value} entry stored by {@code ALTER ROLE/DATABASE ... SET}; empty role or database: all. */
  record StoredSetting(String role, String database, String entry) {}

  record Schema(long oid, String name, String owner, @Nullable String ownerVia, @Nullable String createVia) {}

  record Function(String signature, String owner, boolean ownerSuperuser, boolean ownerBypassRls, boolean leakproof,
      boolean securityDefiner, @Nullable String executeVia) {}

  record ForeignTable(String schema, String name, @Nullable String via) {
    String qualified() {
      return Identifiers.quote(schema, name);
    }
  }

  final Role role;
  final String database;
  final @Nullable String temporaryVia;
  final List<Membership> memberships;
  final List<Table> tables;
  final List<Policy> policies;
  final List<Index> indexes;
  final List<ForeignKey> foreignKeys;
  final List<ViewEdge> viewEdges;
  final List<StoredSetting> storedSettings;
  final List<Schema> schemas;
  final List<Function> functions;
  final List<ForeignTable> foreignTables;

  @SuppressWarnings("checkstyle:ParameterNumber")
  Catalog(Role role, String database, @Nullable String temporaryVia, List<Membership> memberships,
      List<Table> tables, List<Policy> policies, List<Index> indexes, List<ForeignKey> foreignKeys,
      List<ViewEdge> viewEdges, List<StoredSetting> storedSettings, List<Schema> schemas, List<Function> functions,
      List<ForeignTable> foreignTables) {
    this.role = role;
    this.database = database;
    this.temporaryVia = temporaryVia;
    this.memberships = memberships;
    this.tables = tables;
    this.policies = policies;
    this.indexes = indexes;
    this.foreignKeys = foreignKeys;
    this.viewEdges = viewEdges;
    this.storedSettings = storedSettings;
    this.schemas = schemas;
    this.functions = functions;
    this.foreignTables = foreignTables;
  }

  /**
   * Reads the snapshot inside the caller's open transaction. The search path is set to {@code pg_catalog} for the
   * rest of that transaction, so {@code pg_get_expr} qualifies every function and operator that does not come
   * from {@code pg_catalog}: a look-alike {@code =} or {@code current_setting} in another schema cannot pass for
   * the real one.
   */
  static Catalog read(Connection connection, String tenantColumn) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET LOCAL search_path = pg_catalog");
    }
    Role role;
    String database;
    try (PreparedStatement statement = connection.prepareStatement(ROLE);
        ResultSet rows = statement.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("current_user is not in pg_roles; cannot verify tenant isolation");
      }
      role = new Role(rows.getString(1), rows.getBoolean(3), rows.getBoolean(4), rows.getBoolean(5));
      database = rows.getString(2);
    }
    String temporaryVia;
    try (PreparedStatement statement = connection.prepareStatement(DATABASE);
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      temporaryVia = rows.getString(1);
    }
    List<Membership> memberships = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(MEMBERSHIPS);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        memberships.add(new Membership(rows.getString(1), rows.getBoolean(2), rows.getBoolean(3), rows.getString(4),
            rows.getBoolean(5)));
      }
    }
    List<Table> tables = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, TABLES, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        tables.add(new Table(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4).charAt(0),
            rows.getBoolean(5), rows.getBoolean(6), rows.getBoolean(7), rows.getString(8), rows.getString(9),
            rows.getInt(10), rows.getString(11), rows.getLong(12), rows.getBoolean(13), rows.getString(14),
            rows.getString(15), rows.getString(16), rows.getBoolean(17)));
      }
    }
    List<Policy> policies = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, POLICIES, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        policies.add(new Policy(rows.getLong(1), rows.getString(2), rows.getString(3).charAt(0), rows.getBoolean(4),
            rows.getBoolean(5), rows.getString(6), rows.getString(7)));
      }
    }
    List<Index> indexes = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, INDEXES, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        int keyCount = rows.getInt(5);
        int[] key = Arrays.copyOf(parseInts(rows.getString(6)), keyCount);
        indexes.add(new Index(rows.getLong(1), rows.getString(2), rows.getBoolean(3), rows.getBoolean(4), key,
            rows.getString(7), rows.getString(8), rows.getString(9).charAt(0), rows.getString(10)));
      }
    }
    List<ForeignKey> foreignKeys = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, FOREIGN_KEYS, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        foreignKeys.add(new ForeignKey(rows.getLong(1), rows.getString(2), parseInts(rows.getString(3)),
            rows.getLong(4), rows.getString(5)));
      }
    }
    List<ViewEdge> viewEdges = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(VIEW_EDGES);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        viewEdges.add(new ViewEdge(rows.getLong(1), rows.getString(2), rows.getString(3),
            rows.getString(4).charAt(0), rows.getBoolean(5), rows.getString(6), rows.getLong(7)));
      }
    }
    List<StoredSetting> storedSettings = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(STORED_SETTINGS);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        storedSettings.add(new StoredSetting(rows.getString(1), rows.getString(2), rows.getString(3)));
      }
    }
    List<Schema> schemas = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(SCHEMAS);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        schemas.add(new Schema(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getString(5)));
      }
    }
    List<Function> functions = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(FUNCTIONS);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        functions.add(new Function(rows.getString(1), rows.getString(2), rows.getBoolean(3), rows.getBoolean(4),
            rows.getBoolean(5), rows.getBoolean(6), rows.getString(7)));
      }
    }
    List<ForeignTable> foreignTables = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, FOREIGN_TABLES, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        foreignTables.add(new ForeignTable(rows.getString(1), rows.getString(2), rows.getString(3)));
      }
    }
    return new Catalog(role, database, temporaryVia, List.copyOf(memberships), List.copyOf(tables),
        List.copyOf(policies), List.copyOf(indexes), List.copyOf(foreignKeys), List.copyOf(viewEdges),
        List.copyOf(storedSettings), List.copyOf(schemas), List.copyOf(functions), List.copyOf(foreignTables));
  }

  private static PreparedStatement prepare(Connection connection, String sql, String tenantColumn)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    statement.setString(1, tenantColumn);
    return statement;
  }

  /** Parses {@code int2vector} text ("1 3") and {@code int2[]} text ("{1,3}"). */
  static int[] parseInts(String text) {
    String trimmed = text.replace("{", "").replace("}", "").trim();
    if (trimmed.isEmpty()) {
      return new int[0];
    }
    return Arrays.stream(trimmed.split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
  }
}
