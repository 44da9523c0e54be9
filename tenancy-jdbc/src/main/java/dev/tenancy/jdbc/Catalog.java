package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the catalog rows the verifier needs, read as the application role. Every table used here
 * ({@code pg_class}, {@code pg_policy}, {@code pg_roles}, {@code pg_auth_members}, {@code pg_index},
 * {@code pg_constraint}, {@code pg_inherits}, {@code pg_rewrite}, {@code pg_depend}) is readable by any role on
 * PostgreSQL 15, so no administrator connection is needed, and privilege functions answer for the right role.
 */
final class Catalog {

  /** Schemas PostgreSQL owns; the verifier never looks inside them. */
  static final String NON_SYSTEM_SCHEMA = "n.nspname not in ('pg_catalog', 'information_schema')"
      + " and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'";

  private static final String ROLE = """
      select current_user, current_database(), r.rolsuper, r.rolbypassrls
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
      select distinct on (r.rolname) r.rolname, r.rolsuper, r.rolbypassrls, d.rolname
        from m join pg_roles r on r.oid = m.roleid join pg_roles d on d.oid = m.direct
       order by r.rolname, array_length(m.path, 1)""";

  private static final String TABLES = """
      select c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.relrowsecurity, c.relforcerowsecurity,
             pg_get_userbyid(c.relowner), format_type(a.atttypid, a.atttypmod), a.attnum,
             has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE'),
             (select i.inhparent from pg_inherits i where i.inhrelid = c.oid and c.relispartition)
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
             pg_get_indexdef(i.indexrelid)
        from pg_index i
        join pg_class ic on ic.oid = i.indexrelid
        left join pg_constraint con
          on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u')
       where i.indisvalid
         and i.indrelid in (select attrelid from pg_attribute where attname = ? and attnum > 0 and not attisdropped)""";

  private static final String FOREIGN_KEYS = """
      select con.conrelid, con.conname, con.conkey::text, con.confrelid, pg_get_constraintdef(con.oid)
        from pg_constraint con
       where con.contype = 'f'
         and con.conrelid in (select attrelid from pg_attribute where attname = ? and attnum > 0 and not attisdropped)""";

  // Views and materialized views reach their base relations through their rewrite rule's dependencies.
  private static final String VIEW_EDGES = """
      select distinct v.oid, n.nspname, v.relname, v.relkind,
             coalesce((select o.option_value::boolean from pg_options_to_table(v.reloptions) o
                        where o.option_name = 'security_invoker'), false),
             has_table_privilege(v.oid, 'SELECT'), d.refobjid
        from pg_class v
        join pg_namespace n on n.oid = v.relnamespace
        join pg_rewrite r on r.ev_class = v.oid
        join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
                        and d.refclassid = 'pg_class'::regclass and d.refobjid <> v.oid
       where v.relkind in ('v', 'm')""" + " and " + NON_SYSTEM_SCHEMA;

  record Role(String name, boolean superuser, boolean bypassRls) {}

  record Membership(String role, boolean superuser, boolean bypassRls, String via) {}

  record Table(long oid, String schema, String name, char kind, boolean partition, boolean rowSecurity,
      boolean forced, String owner, String columnType, int tenantAttnum, boolean appPrivileged,
      long parentOid) {
    String qualified() {
      return Identifiers.quote(schema, name);
    }
  }

  record Policy(long tableOid, String name, char command, boolean permissive, boolean appliesToRole,
      @Nullable String using, @Nullable String withCheck) {}

  record Index(long tableOid, String name, boolean unique, boolean primary, int[] keyAttnums,
      @Nullable String constraint, String definition) {}

  record ForeignKey(long tableOid, String name, int[] columns, long referencedOid, String definition) {}

  record ViewEdge(long oid, String schema, String name, char kind, boolean securityInvoker, boolean appCanSelect,
      long baseOid) {
    String qualified() {
      return Identifiers.quote(schema, name);
    }
  }

  final Role role;
  final String database;
  final List<Membership> memberships;
  final List<Table> tables;
  final List<Policy> policies;
  final List<Index> indexes;
  final List<ForeignKey> foreignKeys;
  final List<ViewEdge> viewEdges;

  Catalog(Role role, String database, List<Membership> memberships, List<Table> tables,
      List<Policy> policies, List<Index> indexes, List<ForeignKey> foreignKeys, List<ViewEdge> viewEdges) {
    this.role = role;
    this.database = database;
    this.memberships = memberships;
    this.tables = tables;
    this.policies = policies;
    this.indexes = indexes;
    this.foreignKeys = foreignKeys;
    this.viewEdges = viewEdges;
  }

  static Catalog read(Connection connection, String tenantColumn) throws SQLException {
    Role role;
    String database;
    try (PreparedStatement statement = connection.prepareStatement(ROLE);
        ResultSet rows = statement.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("current_user is not in pg_roles; cannot verify tenant isolation");
      }
      role = new Role(rows.getString(1), rows.getBoolean(3), rows.getBoolean(4));
      database = rows.getString(2);
    }
    List<Membership> memberships = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(MEMBERSHIPS);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        memberships.add(new Membership(rows.getString(1), rows.getBoolean(2), rows.getBoolean(3), rows.getString(4)));
      }
    }
    List<Table> tables = new ArrayList<>();
    try (PreparedStatement statement = prepare(connection, TABLES, tenantColumn);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        tables.add(new Table(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4).charAt(0),
            rows.getBoolean(5), rows.getBoolean(6), rows.getBoolean(7), rows.getString(8), rows.getString(9),
            rows.getInt(10), rows.getBoolean(11), rows.getLong(12)));
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
            rows.getString(7), rows.getString(8)));
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
            rows.getString(4).charAt(0), rows.getBoolean(5), rows.getBoolean(6), rows.getLong(7)));
      }
    }
    return new Catalog(role, database, List.copyOf(memberships), List.copyOf(tables), List.copyOf(policies),
        List.copyOf(indexes), List.copyOf(foreignKeys), List.copyOf(viewEdges));
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
