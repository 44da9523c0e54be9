package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.verify.Finding.Severity;
import dev.tenancy.jdbc.verify.IsolationVerifier.PoolerCheck;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One deliberately broken schema per finding kind added for the attacks of the verifier's review: each test first
 * attacks the schema for real as the application role (the attack works) and then checks the verifier reports it
 * with the right kind and a fix. Each test works in its own schema and verifies only that schema; breakage that
 * is not per schema (role attributes, stored settings, privileges on the database) uses a role of its own. The
 * class shares one database, in which PUBLIC has no TEMPORARY privilege, as a correct database would.
 */
@TenancyPostgres
class IsolationVerifierAttacksIT {

  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static TestDatabase db;
  private static TestRole appRole;
  private static String app;

  @BeforeAll
  static void createAppRole(TestDatabase classDatabase) {
    db = classDatabase;
    appRole = db.createRole("app");
    app = appRole.name();
    db.execute("REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC");
  }

  static Stream<Arguments> brokenPolicies() {
    return Stream.of(
        // name, USING, tenant bound by the attacker (null: none), SQL the attacker runs first
        Arguments.of("coalesce fails open", "tenant_id = coalesce(nullif(current_setting('tenancy.tenant_id',"
            + " true), ''), tenant_id)", null, null),
        Arguments.of("CASE", "CASE WHEN current_setting('tenancy.tenant_id', true) = 'acme' THEN true"
            + " ELSE tenant_id = current_setting('tenancy.tenant_id', true) END", "acme", null),
        Arguments.of("comparison other than equality", "tenant_id >= (SELECT nullif(current_setting("
            + "'tenancy.tenant_id', true), ''))", "acme", null),
        Arguments.of("another setting", "tenant_id = (SELECT nullif(current_setting('app.tenant', true), '')::text)",
            "acme", "SELECT set_config('app.tenant', 'globex', true)"),
        Arguments.of("OR", "tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text)"
            + " OR secret LIKE 'globex%'", "acme", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenPolicies")
  void policiesThatAreNotTheTenantEqualityLeakAndAreReported(String name, String using, @Nullable String tenant,
      @Nullable String hostile) throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY broken ON " + s + ".t USING (" + using + ")");

    List<String> seen = asApp(appRole, tenant, connection -> {
      if (hostile != null) {
        execute(connection, hostile);
      }
      return strings(connection, "SELECT secret FROM " + s + ".t");
    });
    assertThat(seen).as("the %s policy really shows another tenant's row", name).contains("globex-secret");

    IsolationReport report = verify(s);
    Finding finding = assertFinding(report, Kind.POLICY_NOT_TENANT_SCOPED, s + ".t", "broken");
    assertThat(finding.message()).contains("USING (" + TenantPolicy.forTable("t").build().predicate() + ")");
    if (tenant == null) {
      assertFinding(report, Kind.ROWS_VISIBLE_WITHOUT_TENANT, s + ".t", "no tenant");
    }
  }

  @Test
  void aTenantSettingStoredOnTheRoleOrTheDatabaseIsReported() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".t (tenant_id text NOT NULL, id bigint NOT NULL, secret text,"
            + " PRIMARY KEY (tenant_id, id))",
        "ALTER TABLE " + s + ".t ENABLE ROW LEVEL SECURITY", "ALTER TABLE " + s + ".t FORCE ROW LEVEL SECURITY",
        // The unstamped form: the stamp exists to defeat exactly this attack.
        "CREATE POLICY unstamped ON " + s + ".t USING (tenant_id = (SELECT nullif(current_setting("
            + "'tenancy.tenant_id', true), '')::text))",
        "INSERT INTO " + s + ".t VALUES ('acme', 1, 'acme-secret'), ('globex', 2, 'globex-secret')",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".t TO " + app);
    TestRole defaulted = roleWithTableAccess("defaulted", s);
    db.execute("ALTER ROLE " + defaulted.name() + " IN DATABASE " + db.name() + " SET tenancy.tenant_id = 'acme'");

    try (Connection connection = defaulted.dataSource().getConnection()) {
      assertThat(strings(connection, "SELECT secret FROM " + s + ".t")).as("no tenant bound, yet acme's rows")
          .containsExactly("acme-secret");
    }
    assertFinding(verify(defaulted.dataSource(), s), Kind.TENANT_SETTING_STORED_DEFAULT, defaulted.name(),
        "ALTER ROLE " + defaulted.name() + " IN DATABASE " + db.name() + " RESET tenancy.tenant_id");

    db.execute("ALTER DATABASE " + db.name() + " SET tenancy.tenant_id = 'globex'");
    try {
      try (Connection connection = appRole.dataSource().getConnection()) {
        assertThat(strings(connection, "SELECT secret FROM " + s + ".t")).containsExactly("globex-secret");
      }
      assertFinding(verify(s), Kind.TENANT_SETTING_STORED_DEFAULT, db.name(),
          "ALTER DATABASE " + db.name() + " RESET tenancy.tenant_id");
    } finally {
      db.execute("ALTER DATABASE " + db.name() + " RESET tenancy.tenant_id");
    }
  }

  @Test
  void createRoleGrantsItselfTheOwnerAndReadsEveryTenant() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    String owner = role("owner", "NOLOGIN").name();
    db.execute("ALTER TABLE " + s + ".t OWNER TO " + owner, "GRANT USAGE ON SCHEMA " + s + " TO " + owner);
    TestRole climber = roleWithTableAccess("climber", s);
    db.execute("ALTER ROLE " + climber.name() + " CREATEROLE");

    assertFinding(verify(climber.dataSource(), s), Kind.ROLE_PRIVILEGE_AROUND_RLS, climber.name(),
        "ALTER ROLE " + climber.name() + " NOCREATEROLE");

    try (Connection connection = climber.dataSource().getConnection()) {
      if (connection.getMetaData().getDatabaseMajorVersion() >= 16) {
        // PostgreSQL 16 took this route away: CREATEROLE grants only roles it holds with ADMIN OPTION. The
        // attribute still lets the role create and manage roles, so the finding stays.
        SQLException refused = catchThrowableOfType(SQLException.class,
            () -> execute(connection, "GRANT " + owner + " TO " + climber.name()));
        assertThat(refused == null ? "no error" : refused.getSQLState())
            .as("GRANT of the owner role on PostgreSQL 16+").isEqualTo("42501");
        return;
      }
      execute(connection, "GRANT " + owner + " TO " + climber.name());
      execute(connection, "SET ROLE " + owner);
      execute(connection, "ALTER TABLE " + s + ".t NO FORCE ROW LEVEL SECURITY");
      assertThat(strings(connection, "SELECT secret FROM " + s + ".t")).as("every tenant's rows")
          .containsExactlyInAnyOrder("acme-secret", "globex-secret");
    }
  }

  @Test
  void executeServerProgramReadsTheTablesDataFile() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    String scratch = scratchSchema();
    TestRole shell = db.createRole("shell");
    db.execute("GRANT pg_execute_server_program TO " + shell.name(),
        "GRANT USAGE ON SCHEMA " + s + " TO " + shell.name(),
        "GRANT USAGE, CREATE ON SCHEMA " + scratch + " TO " + shell.name(),
        "CHECKPOINT");

    assertFinding(verify(shell.dataSource(), s), Kind.ROLE_PRIVILEGE_AROUND_RLS, "pg_execute_server_program",
        "REVOKE pg_execute_server_program FROM " + shell.name());

    try (Connection connection = shell.dataSource().getConnection()) {
      String file = strings(connection, "SELECT pg_relation_filepath('" + s + ".t')").get(0);
      execute(connection, "CREATE TABLE " + scratch + ".loot (line text)");
      execute(connection, "COPY " + scratch + ".loot FROM PROGRAM 'tr -c ''[:print:]'' ''\\n'' < " + file + "'"
          + " WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')");
      assertThat(strings(connection, "SELECT line FROM " + scratch + ".loot WHERE line LIKE '%secret%'"))
          .as("a role without any table privilege reads the rows from the data file")
          .anyMatch(line -> line.contains("globex-secret")).anyMatch(line -> line.contains("acme-secret"));
    }
  }

  @Test
  void serverFileRolesAreReported() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    TestRole files = roleWithTableAccess("files", s);
    db.execute("GRANT pg_read_server_files, pg_write_server_files TO " + files.name());

    IsolationReport report = verify(files.dataSource(), s);

    assertFinding(report, Kind.ROLE_PRIVILEGE_AROUND_RLS, "pg_read_server_files", "REVOKE pg_read_server_files");
    assertFinding(report, Kind.ROLE_PRIVILEGE_AROUND_RLS, "pg_write_server_files", "REVOKE pg_write_server_files");
  }

  @Test
  void truncateWipesEveryTenant() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    db.execute("GRANT TRUNCATE ON " + s + ".t TO " + app);

    assertFinding(verify(s), Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, s + ".t", "REVOKE TRUNCATE ON " + s + ".t FROM " + app);

    asApp(appRole, "acme", connection -> {
      execute(connection, "TRUNCATE " + s + ".t");
      connection.commit();
      return null;
    });
    assertThat(adminCount("SELECT count(*) FROM " + s + ".t")).as("globex's rows are gone too").isZero();
  }

  @Test
  void aTriggerSeesEveryTenantsWrites() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    String scratch = scratchSchema();
    db.execute("GRANT TRIGGER ON " + s + ".t TO " + app, "GRANT USAGE, CREATE ON SCHEMA " + scratch + " TO " + app);

    assertFinding(verify(s), Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, s + ".t", "REVOKE TRIGGER ON " + s + ".t");

    asApp(appRole, "acme", connection -> {
      execute(connection, "CREATE TABLE " + scratch + ".loot (tenant_id text, secret text)");
      execute(connection, "CREATE FUNCTION " + scratch + ".steal() RETURNS trigger LANGUAGE plpgsql AS"
          + " $$BEGIN INSERT INTO " + scratch + ".loot VALUES (NEW.tenant_id, NEW.secret); RETURN NEW; END$$");
      execute(connection, "CREATE TRIGGER steal AFTER INSERT ON " + s + ".t FOR EACH ROW EXECUTE FUNCTION "
          + scratch + ".steal()");
      connection.commit();
      return null;
    });
    asApp(appRole, "globex", connection -> {
      execute(connection, "INSERT INTO " + s + ".t VALUES ('globex', 3, 'globex-new-secret')");
      connection.commit();
      return null;
    });
    try {
      assertThat(readAs(appRole, "acme", "SELECT secret FROM " + scratch + ".loot"))
          .as("acme reads what globex wrote").containsExactly("globex-new-secret");
    } finally {
      db.execute("DROP SCHEMA " + scratch + " CASCADE"); // the trigger depends on it
    }
  }

  @Test
  void referencesProbesOtherTenantsKeys() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    String scratch = scratchSchema();
    db.execute("GRANT REFERENCES ON " + s + ".t TO " + app, "GRANT USAGE, CREATE ON SCHEMA " + scratch + " TO " + app);

    assertFinding(verify(s), Kind.TABLE_PRIVILEGE_OUTSIDE_RLS, s + ".t", "REVOKE REFERENCES ON " + s + ".t");

    asApp(appRole, "acme", connection -> {
      execute(connection, "CREATE TABLE " + scratch + ".probe (tenant_id text, id bigint,"
          + " FOREIGN KEY (tenant_id, id) REFERENCES " + s + ".t (tenant_id, id))");
      assertThat(strings(connection, "SELECT count(*)::text FROM " + s + ".t WHERE tenant_id = 'globex'"))
          .containsExactly("0");
      execute(connection, "INSERT INTO " + scratch + ".probe VALUES ('globex', 2)");
      SQLException missing = catchThrowableOfType(SQLException.class,
          () -> execute(connection, "INSERT INTO " + scratch + ".probe VALUES ('globex', 3)"));
      assertThat(missing.getSQLState()).as("globex's key 2 exists, key 3 does not").isEqualTo("23503");
      return null;
    });
  }

  @Test
  void aTemporaryTableShadowsATenantTableAndCapturesTheNextTenantsRows() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    TestRole temper = roleWithTableAccess("temper", s);
    db.execute("GRANT TEMPORARY ON DATABASE " + db.name() + " TO " + temper.name());

    Finding finding = assertFinding(verify(temper.dataSource(), s), Kind.TEMPORARY_ON_DATABASE, db.name(),
        "REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC, " + temper.name());
    assertThat(finding.severity()).as("no pooler in front: the pool can clear session objects").isEqualTo(
        Severity.WARNING);

    try (Connection connection = temper.dataSource().getConnection()) {
      execute(connection, "SET search_path = " + s + ", public");
      connection.setAutoCommit(false);
      bind(connection, "acme");
      execute(connection, "CREATE TEMP TABLE t (tenant_id text, id bigint, secret text)");
      connection.commit();
      bind(connection, "globex");
      execute(connection, "INSERT INTO t VALUES ('globex', 9, 'globex-typed-secret')");
      connection.commit();
      bind(connection, "acme");
      assertThat(strings(connection, "SELECT secret FROM t")).as("acme reads globex's insert")
          .containsExactly("globex-typed-secret");
      connection.commit();
    }
    assertThat(adminCount("SELECT count(*) FROM " + s + ".t WHERE id = 9")).isZero();
  }

  @Test
  void theSchemaOwnerDropsEveryTenantsTable() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    TestRole schemaOwner = roleWithTableAccess("schemaowner", s);
    db.execute("ALTER SCHEMA " + s + " OWNER TO " + schemaOwner.name());

    assertFinding(verify(schemaOwner.dataSource(), s), Kind.SCHEMA_OWNED_OR_WRITABLE, s,
        "ALTER SCHEMA " + s + " OWNER TO");

    try (Connection connection = schemaOwner.dataSource().getConnection()) {
      execute(connection, "DROP TABLE " + s + ".t");
    }
    assertThat(adminCount("SELECT count(*) FROM pg_class WHERE oid = to_regclass('" + s + ".t')")).isZero();
  }

  @Test
  void createOnTheSchemaCapturesTheOperatorOfAReappliedPolicy() throws SQLException {
    String s = schema();
    TenantPolicy policy = TenantPolicy.forTable(s + ".t").columnType("character varying(63)").build();
    db.execute("CREATE TABLE " + s + ".t (tenant_id varchar(63) NOT NULL, id bigint NOT NULL, secret text,"
        + " PRIMARY KEY (tenant_id, id))");
    db.execute(policy.statements().toArray(String[]::new));
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".t TO " + app,
        "INSERT INTO " + s + ".t VALUES ('acme', 1, 'acme-secret'), ('globex', 2, 'globex-secret')",
        "GRANT CREATE ON SCHEMA " + s + " TO " + app);

    assertFinding(verify(s), Kind.SCHEMA_OWNED_OR_WRITABLE, s, "REVOKE CREATE ON SCHEMA " + s + " FROM " + app);

    try (Connection connection = appRole.dataSource().getConnection()) {
      execute(connection, "CREATE FUNCTION " + s + ".always(varchar, varchar) RETURNS boolean LANGUAGE sql"
          + " IMMUTABLE AS 'SELECT true'");
      execute(connection, "CREATE OPERATOR " + s + ".= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = " + s
          + ".always)");
    }
    // The owner re-applies the (repeatable) migration with the schema on its search path, as migration tools do.
    try (Connection owner = db.adminDataSource().getConnection()) {
      execute(owner, "SET search_path = " + s + ", public");
      for (String statement : policy.statements()) {
        execute(owner, statement);
      }
    }
    try {
      assertThat(readAs(appRole, "acme", "SELECT secret FROM " + s + ".t"))
          .as("the captured = admits every row").contains("globex-secret");
      assertFinding(verify(s), Kind.POLICY_NOT_TENANT_SCOPED, s + ".t", "OPERATOR(" + s + ".=)");
    } finally {
      db.execute("DROP SCHEMA " + s + " CASCADE"); // the policy depends on the application role's operator
    }
  }

  @Test
  void anExclusionConstraintWithoutTheTenantRevealsOtherTenantsRows() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".bookings (tenant_id text NOT NULL, id bigint NOT NULL, during tsrange NOT NULL,"
        + " PRIMARY KEY (tenant_id, id), CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&))");
    protect(s + ".bookings");
    db.execute("INSERT INTO " + s + ".bookings VALUES ('globex', 1, '[2030-01-01 10:00, 2030-01-01 11:00)')");

    assertFinding(verify(s), Kind.EXCLUSION_CONSTRAINT_WITHOUT_TENANT, s + ".bookings", "no_overlap");

    asApp(appRole, "acme", connection -> {
      assertThat(strings(connection, "SELECT id::text FROM " + s + ".bookings")).as("acme sees no booking").isEmpty();
      execute(connection, "INSERT INTO " + s + ".bookings VALUES ('acme', 1, '[2030-01-01 11:00, 2030-01-01 12:00)')");
      SQLException conflict = catchThrowableOfType(SQLException.class, () -> execute(connection, "INSERT INTO " + s
          + ".bookings VALUES ('acme', 2, '[2030-01-01 10:30, 2030-01-01 10:45)')"));
      assertThat(conflict.getSQLState()).as("an invisible booking of globex holds 10:30").isEqualTo("23P01");
      return null;
    });
  }

  @Test
  void aLeakproofFunctionSeesRowsBeforeThePolicyFiltersThem() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    db.execute("CREATE FUNCTION " + s + ".leaky(text) RETURNS boolean LANGUAGE plpgsql LEAKPROOF COST 0.0001 AS"
        + " $$BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END$$");

    List<String> notices = asApp(appRole, "acme", connection -> {
      execute(connection, "SET LOCAL enable_indexscan = off");
      execute(connection, "SET LOCAL enable_bitmapscan = off");
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT secret FROM " + s + ".t WHERE " + s + ".leaky(secret)")) {
        List<String> secrets = new ArrayList<>();
        while (rows.next()) {
          secrets.add(rows.getString(1));
        }
        assertThat(secrets).as("the policy still filters the result").containsExactly("acme-secret");
        List<String> messages = new ArrayList<>();
        for (SQLWarning w = statement.getWarnings(); w != null; w = w.getNextWarning()) {
          messages.add(w.getMessage());
        }
        return messages;
      }
    });
    assertThat(notices).as("but the function saw globex's row").contains("saw globex-secret");

    assertFinding(verify(s), Kind.LEAKPROOF_FUNCTION, s + ".leaky(text)", "NOT LEAKPROOF");
  }

  @Test
  void aSecurityDefinerFunctionReturnsOtherTenantsRows() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    db.execute("CREATE FUNCTION " + s + ".all_secrets() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS"
        + " 'SELECT secret FROM " + s + ".t'");

    assertThat(readAs(appRole, "acme", "SELECT * FROM " + s + ".all_secrets()"))
        .contains("globex-secret");

    Finding finding = assertFinding(verify(s), Kind.SECURITY_DEFINER_FUNCTION, s + ".all_secrets()",
        "SECURITY INVOKER");
    assertThat(finding.message()).contains("is a superuser");
  }

  @Test
  void aForeignTableReadsTheRemoteRowsOfEveryTenant() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    TestRole remote = role("remote", "BYPASSRLS");
    URI server = URI.create(db.jdbcUrl().substring("jdbc:".length()));
    db.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw",
        "CREATE SERVER " + s + "_loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '" + server.getHost()
            + "', port '" + server.getPort() + "', dbname '" + db.name() + "')",
        "CREATE USER MAPPING FOR " + app + " SERVER " + s + "_loop OPTIONS (user '" + remote.name()
            + "', password '" + remote.password() + "', password_required 'false')",
        "GRANT USAGE ON SCHEMA " + s + " TO " + remote.name(),
        "GRANT SELECT ON " + s + ".t TO " + remote.name(),
        "CREATE FOREIGN TABLE " + s + ".remote_t (tenant_id text, id bigint, secret text) SERVER " + s + "_loop"
            + " OPTIONS (schema_name '" + s + "', table_name 't')",
        "GRANT SELECT ON " + s + ".remote_t TO " + app);

    assertThat(readAs(appRole, "acme", "SELECT secret FROM " + s + ".remote_t"))
        .containsExactlyInAnyOrder("acme-secret", "globex-secret");

    assertFinding(verify(s), Kind.FOREIGN_TABLE_WITH_TENANT_COLUMN, s + ".remote_t",
        "REVOKE ALL ON " + s + ".remote_t FROM " + app);
  }

  @Test
  void aNoinheritMembershipStillReachesAMaterializedView() throws SQLException {
    String s = schema();
    tenantTable(s, "t");
    String reporter = role("reporter", "NOLOGIN").name();
    TestRole login = roleWithTableAccess("noinherit", s);
    db.execute("ALTER ROLE " + login.name() + " NOINHERIT", "GRANT " + reporter + " TO " + login.name(),
        "CREATE MATERIALIZED VIEW " + s + ".snapshot AS SELECT * FROM " + s + ".t",
        "GRANT USAGE ON SCHEMA " + s + " TO " + reporter, "GRANT SELECT ON " + s + ".snapshot TO " + reporter);

    try (Connection connection = login.dataSource().getConnection()) {
      execute(connection, "SET ROLE " + reporter);
      assertThat(strings(connection, "SELECT secret FROM " + s + ".snapshot"))
          .containsExactlyInAnyOrder("acme-secret", "globex-secret");
    }
    Finding finding = assertFinding(verify(login.dataSource(), s), Kind.MATERIALIZED_VIEW_OVER_TENANT_TABLE,
        s + ".snapshot", "REVOKE SELECT ON " + s + ".snapshot FROM " + reporter);
    assertThat(finding.message()).contains("through role " + reporter);
  }

  // ---------------------------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} as {@code role} in one transaction bound to {@code tenant} (none if null), rolled back. */
  private static <T> T asApp(TestRole role, @Nullable String tenant, SqlWork<T> work) throws SQLException {
    try (Connection connection = role.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      if (tenant != null) {
        bind(connection, tenant);
      }
      try {
        return work.run(connection);
      } finally {
        connection.rollback();
      }
    }
  }

  /** Binds as the data source does: the tenant and this transaction's stamp, transaction-locally. */
  private static void bind(Connection connection, String tenant) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT set_config('tenancy.tenant_id', ?, true),"
        + " set_config('tenancy.tenant_id_stamp', extract(epoch from transaction_timestamp())::text, true)")) {
      statement.setString(1, tenant);
      statement.execute();
    }
  }

  private static List<String> readAs(TestRole role, String tenant, String sql) throws SQLException {
    return asApp(role, tenant, connection -> strings(connection, sql));
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static List<String> strings(Connection connection, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    }
    return values;
  }

  private static long adminCount(String sql) throws SQLException {
    try (Connection connection = db.adminDataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static TestRole role(String prefix, String attributes) {
    TestRole role = db.createRole(prefix);
    db.execute("ALTER ROLE " + role.name() + " " + attributes);
    return role;
  }

  /** A login role of its own with the application's grants on {@code schema.t}. */
  private static TestRole roleWithTableAccess(String prefix, String schema) {
    TestRole role = db.createRole(prefix);
    db.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role.name(),
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + schema + ".t TO " + role.name());
    return role;
  }

  private static String schema() {
    String schema = "a" + SCHEMAS.incrementAndGet();
    db.execute("CREATE SCHEMA " + schema, "GRANT USAGE ON SCHEMA " + schema + " TO " + app);
    return schema;
  }

  /** A schema without tenant tables, for objects an attacker creates. */
  private static String scratchSchema() {
    String schema = "x" + SCHEMAS.incrementAndGet();
    db.execute("CREATE SCHEMA " + schema);
    return schema;
  }

  /** A correctly protected tenant table holding one row of acme and one of globex. */
  private static void tenantTable(String schema, String table) {
    db.execute("CREATE TABLE " + schema + "." + table + " (tenant_id text NOT NULL, id bigint NOT NULL, secret text,"
        + " PRIMARY KEY (tenant_id, id))");
    protect(schema + "." + table);
    db.execute("INSERT INTO " + schema + "." + table + " VALUES ('acme', 1, 'acme-secret'),"
        + " ('globex', 2, 'globex-secret')");
  }

  private static void protect(String table) {
    db.execute(TenantPolicy.forTable(table).build().statements().toArray(String[]::new));
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO " + app);
  }

  private static IsolationReport verify(String schema) throws SQLException {
    return verify(appRole.dataSource(), schema);
  }

  private static IsolationReport verify(DataSource dataSource, String schema) throws SQLException {
    return IsolationVerifier.builder(dataSource).schemas(schema).poolerCheck(PoolerCheck.SKIP).build().verify();
  }

  private static Finding assertFinding(IsolationReport report, Kind kind, String object, String messagePart) {
    List<Finding> matching = new ArrayList<>();
    for (Finding finding : report.findings(kind)) {
      if (finding.object().equals(object) && finding.message().contains(messagePart)) {
        matching.add(finding);
      }
    }
    assertThat(matching).as("%s on %s mentioning '%s' in %s", kind, object, messagePart, report).hasSize(1);
    return matching.get(0);
  }
}
