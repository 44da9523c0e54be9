package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.verify.Finding.Severity;
import dev.tenancy.jdbc.verify.IsolationVerifier.PoolerCheck;
import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One deliberately broken schema per finding kind. Each test works in its own schema and verifies only that
 * schema, so tests cannot see each other's breakage; role-level breakage uses a role of its own. All tests share
 * one database for the class (a fresh database costs about 0.2 s, more than most of these tests); the kit drops
 * it, with every role created here, after the last test.
 */
@TenancyPostgres
class IsolationVerifierIT {

  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static TestDatabase db;
  private static TestRole appRole;
  private static String app;

  @BeforeAll
  static void createAppRole(TestDatabase classDatabase) {
    db = classDatabase;
    appRole = VerifierFixtures.appRoleWithoutTemporary(db);
    app = appRole.name();
  }

  @Test
  void aSchemaBuiltWithThePolicyGeneratorIsClean() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".tenants (tenant_id text PRIMARY KEY, name text NOT NULL)",
        "CREATE TABLE " + s + ".countries (code text PRIMARY KEY)",
        "CREATE TABLE " + s + ".customers (tenant_id text NOT NULL REFERENCES " + s + ".tenants,"
            + " id bigint NOT NULL, email text NOT NULL, country text REFERENCES " + s + ".countries,"
            + " PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, email))",
        "CREATE TABLE " + s + ".invoices (tenant_id text NOT NULL, id bigint NOT NULL, customer_id bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id),"
            + " FOREIGN KEY (tenant_id, customer_id) REFERENCES " + s + ".customers (tenant_id, id))",
        "CREATE TABLE " + s + ".events (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))"
            + " PARTITION BY LIST (tenant_id)",
        "CREATE TABLE " + s + ".events_acme PARTITION OF " + s + ".events FOR VALUES IN ('acme')",
        "CREATE VIEW " + s + ".invoice_totals WITH (security_invoker = true) AS"
            + " SELECT tenant_id, count(*) AS n FROM " + s + ".invoices GROUP BY tenant_id",
        "GRANT SELECT ON " + s + ".tenants, " + s + ".countries, " + s + ".invoice_totals TO " + app,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".customers, " + s + ".invoices, " + s + ".events, "
            + s + ".events_acme TO " + app);
    for (String table : List.of("customers", "invoices", "events", "events_acme")) {
      db.execute(TenantPolicy.forTable(s + "." + table).build().statements().toArray(String[]::new));
    }

    IsolationReport report = IsolationVerifier.builder(asApp()).schemas(s).exemptTables(s + ".tenants").build()
        .verify();

    assertThat(report.findings()).isEmpty();
    assertThat(report.isClean()).isTrue();
    assertThat(report.role()).isEqualTo(app);
    assertThat(report.poolerDetection()).hasValueSatisfying(p -> assertThat(p.transactionPoolerDetected()).isFalse());
  }

  @Test
  void rlsNotEnabled() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("ALTER TABLE " + s + ".t DISABLE ROW LEVEL SECURITY");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.RLS_NOT_ENABLED, s + ".t", "ENABLE ROW LEVEL SECURITY");
    assertThat(report.findings()).extracting(Finding::kind).containsOnly(Kind.RLS_NOT_ENABLED);
  }

  @Test
  void rlsNotForced() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("ALTER TABLE " + s + ".t NO FORCE ROW LEVEL SECURITY");

    assertFinding(verify(s), Kind.RLS_NOT_FORCED, s + ".t", "ALTER TABLE " + s + ".t FORCE ROW LEVEL SECURITY");
  }

  @Test
  void noPolicy() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t");

    assertFinding(verify(s), Kind.NO_POLICY, s + ".t", "CREATE POLICY tenancy_isolation ON " + s + ".t");
  }

  @Test
  void permissivePolicyThatIsNotTenantScoped() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("CREATE POLICY see_all ON " + s + ".t FOR SELECT USING (true)",
        "INSERT INTO " + s + ".t VALUES ('acme', 1), ('globex', 2)");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.POLICY_NOT_TENANT_SCOPED, s + ".t", "see_all");
    assertThat(visibleRows(asApp(), s + ".t", "acme")).as("the wide policy really leaks").isEqualTo(2);
  }

  @Test
  void orBranchInAPolicyIsNotTenantScoped() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY with_root ON " + s + ".t USING (tenant_id = nullif(current_setting('tenancy.tenant_id', true),"
            + " '') OR coalesce(nullif(current_setting('tenancy.root', true), '')::boolean, false))");

    assertFinding(verify(s), Kind.POLICY_NOT_TENANT_SCOPED, s + ".t", "with_root");
  }

  @Test
  void restrictiveTenantPolicyMakesAWidePermissiveOneHarmless() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY everything ON " + s + ".t USING (true)",
        "CREATE POLICY tenant_only ON " + s + ".t AS RESTRICTIVE USING ("
            + TenantPolicy.forTable("t").build().predicate() + ")",
        "INSERT INTO " + s + ".t VALUES ('acme', 1), ('globex', 2)");

    assertThat(verify(s).findings()).isEmpty();
    assertThat(visibleRows(asApp(), s + ".t", "acme")).isEqualTo(1);
  }

  @Test
  void policyWithoutTenantCheck() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    String predicate = TenantPolicy.forTable("t").build().predicate();
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY loose_check ON " + s + ".t USING (" + predicate + ") WITH CHECK (true)");

    assertFinding(verify(s), Kind.POLICY_WITHOUT_TENANT_CHECK, s + ".t", "loose_check");
    try (Connection connection = asApp().getConnection()) {
      connection.setAutoCommit(false);
      bind(connection, "acme");
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + s + ".t VALUES ('globex', 9)")) {
        assertThat(insert.executeUpdate()).as("the missing check really lets a write cross tenants").isOne();
      }
      connection.rollback();
    }
  }

  @Test
  void forAllPolicyWithoutWithCheckIsCheckedWithItsUsing() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    String predicate = TenantPolicy.forTable("t").build().predicate();
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY using_only ON " + s + ".t USING (" + predicate + ")");

    assertThat(verify(s).findings()).isEmpty();
    try (Connection connection = asApp().getConnection()) {
      connection.setAutoCommit(false);
      bind(connection, "acme");
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + s + ".t VALUES ('globex', 9)")) {
        SQLException e = catchThrowableOfType(SQLException.class, insert::executeUpdate);
        assertThat(e.getSQLState()).isEqualTo("42501");
      }
      connection.rollback();
    }
  }

  @Test
  void commandNotCovered() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("DROP POLICY tenancy_isolation ON " + s + ".t",
        "CREATE POLICY read_only ON " + s + ".t FOR SELECT USING (" + TenantPolicy.forTable("t").build().predicate()
            + ")");

    IsolationReport report = verify(s);

    Finding finding = assertFinding(report, Kind.COMMAND_NOT_COVERED, s + ".t", "INSERT, UPDATE, DELETE");
    assertThat(finding.severity()).isEqualTo(Severity.WARNING);
    assertThat(report.hasErrors()).isFalse();
    assertThat(report.isClean()).isFalse();
  }

  @Test
  void tenantColumnNotIndexed() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".t (tenant_id text NOT NULL, id bigint NOT NULL)",
        "CREATE INDEX ON " + s + ".t (id, tenant_id)");
    protect(s + ".t");

    Finding finding = assertFinding(verify(s), Kind.TENANT_COLUMN_NOT_INDEXED, s + ".t", "CREATE INDEX");
    assertThat(finding.severity()).isEqualTo(Severity.WARNING);
  }

  @Test
  void roleSuperuser() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    TestRole root = role("root", "SUPERUSER");

    assertFinding(verify(root.dataSource(), s), Kind.ROLE_SUPERUSER, root.name(),
        "ALTER ROLE " + root.name() + " NOSUPERUSER");
  }

  @Test
  void roleBypassRls() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    TestRole bypass = role("bypass", "BYPASSRLS");

    assertFinding(verify(bypass.dataSource(), s), Kind.ROLE_BYPASSRLS, bypass.name(), "NOBYPASSRLS");
  }

  @Test
  void roleOwnsTenantTable() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("ALTER TABLE " + s + ".t OWNER TO " + app);

    assertFinding(verify(s), Kind.ROLE_OWNS_TENANT_TABLE, s + ".t", "OWNER TO");
  }

  @Test
  void roleMemberOfBypassRoleThroughAnotherRole() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    TestRole login = db.createRole("login");
    String middle = role("middle", "NOLOGIN").name();
    String ops = role("ops", "NOLOGIN BYPASSRLS").name();
    db.execute("GRANT " + ops + " TO " + middle, "GRANT " + middle + " TO " + login.name(),
        "GRANT USAGE ON SCHEMA " + s + " TO " + login.name());

    Finding finding = assertFinding(verify(login.dataSource(), s), Kind.ROLE_MEMBER_OF_PRIVILEGED_ROLE, ops,
        "REVOKE " + middle + " FROM " + login.name());
    assertThat(finding.message()).contains("BYPASSRLS").contains("through " + middle);
  }

  @Test
  void roleMemberOfTableOwner() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    TestRole login = db.createRole("login");
    String owner = role("owner", "NOLOGIN").name();
    db.execute("ALTER TABLE " + s + ".t OWNER TO " + owner, "GRANT " + owner + " TO " + login.name());

    Finding finding = assertFinding(verify(login.dataSource(), s), Kind.ROLE_MEMBER_OF_PRIVILEGED_ROLE, owner,
        "REVOKE " + owner + " FROM " + login.name());
    assertThat(finding.message()).contains("owns tenant table(s) " + s + ".t");
  }

  @Test
  void viewNotSecurityInvoker() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("CREATE VIEW " + s + ".all_rows AS SELECT * FROM " + s + ".t",
        "CREATE VIEW " + s + ".on_top WITH (security_invoker = true) AS SELECT * FROM " + s + ".all_rows",
        "CREATE VIEW " + s + ".safe WITH (security_invoker = true) AS SELECT * FROM " + s + ".t",
        "CREATE VIEW " + s + ".definer_over_view AS SELECT * FROM " + s + ".safe",
        "GRANT SELECT ON " + s + ".all_rows, " + s + ".on_top, " + s + ".safe, " + s + ".definer_over_view TO " + app,
        "INSERT INTO " + s + ".t VALUES ('acme', 1), ('globex', 2)");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.VIEW_NOT_SECURITY_INVOKER, s + ".all_rows", "SET (security_invoker = true)");
    assertFinding(report, Kind.VIEW_NOT_SECURITY_INVOKER, s + ".definer_over_view", "security_invoker");
    assertThat(report.findings(Kind.VIEW_NOT_SECURITY_INVOKER)).extracting(Finding::object)
        .doesNotContain(s + ".safe", s + ".on_top");
    assertThat(visibleRows(asApp(), s + ".all_rows", "acme")).as("the definer view really leaks").isEqualTo(2);
    assertThat(visibleRows(asApp(), s + ".safe", "acme")).isEqualTo(1);
  }

  @Test
  void materializedViewOverTenantTable() throws SQLException {
    String s = schema();
    goodTable(s, "t");
    db.execute("CREATE MATERIALIZED VIEW " + s + ".snapshot AS SELECT * FROM " + s + ".t",
        "CREATE MATERIALIZED VIEW " + s + ".not_granted AS SELECT * FROM " + s + ".t",
        "GRANT SELECT ON " + s + ".snapshot TO " + app);

    IsolationReport report = verify(s);

    assertFinding(report, Kind.MATERIALIZED_VIEW_OVER_TENANT_TABLE, s + ".snapshot", "REVOKE SELECT ON");
    assertThat(report.findings(Kind.MATERIALIZED_VIEW_OVER_TENANT_TABLE)).extracting(Finding::object)
        .doesNotContain(s + ".not_granted");
  }

  @Test
  void partitionUnprotected() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".events (tenant_id text NOT NULL, id bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id)) PARTITION BY LIST (tenant_id)",
        "CREATE TABLE " + s + ".events_acme PARTITION OF " + s + ".events FOR VALUES IN ('acme')",
        "CREATE TABLE " + s + ".events_globex PARTITION OF " + s + ".events FOR VALUES IN ('globex')",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".events TO " + app,
        "GRANT SELECT ON " + s + ".events_acme TO " + app,
        "INSERT INTO " + s + ".events VALUES ('acme', 1), ('globex', 2)");
    protect(s + ".events");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.PARTITION_UNPROTECTED, s + ".events_acme", "REVOKE ALL ON " + s + ".events_acme");
    assertThat(report.findings(Kind.PARTITION_UNPROTECTED)).extracting(Finding::object)
        .doesNotContain(s + ".events_globex");
    assertThat(visibleRows(asApp(), s + ".events_acme", "globex")).as("the partition really leaks").isEqualTo(1);
    assertThat(visibleRows(asApp(), s + ".events", "globex")).isEqualTo(1);
  }

  @Test
  void uniqueKeysWithoutTenant() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".users (tenant_id text NOT NULL, id bigint PRIMARY KEY, email text UNIQUE,"
            + " login text, CONSTRAINT users_tenant_key UNIQUE (tenant_id, login))",
        "CREATE UNIQUE INDEX users_lower_email ON " + s + ".users (lower(email))",
        "CREATE INDEX ON " + s + ".users (tenant_id)");
    protect(s + ".users");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.UNIQUE_KEY_WITHOUT_TENANT, s + ".users", "primary key users_pkey");
    assertFinding(report, Kind.UNIQUE_KEY_WITHOUT_TENANT, s + ".users", "unique constraint users_email_key");
    assertFinding(report, Kind.UNIQUE_KEY_WITHOUT_TENANT, s + ".users", "unique index users_lower_email");
    assertThat(report.findings(Kind.UNIQUE_KEY_WITHOUT_TENANT)).hasSize(3);
  }

  @Test
  void foreignKeyWithoutTenant() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".customers (tenant_id text NOT NULL, id bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id), CONSTRAINT customers_id_key UNIQUE (id))",
        "CREATE TABLE " + s + ".orders (tenant_id text NOT NULL, id bigint NOT NULL, customer_id bigint"
            + " CONSTRAINT orders_customer_fk REFERENCES " + s + ".customers (id), PRIMARY KEY (tenant_id, id))");
    protect(s + ".customers");
    protect(s + ".orders");

    IsolationReport report = verify(s);

    assertFinding(report, Kind.FOREIGN_KEY_WITHOUT_TENANT, s + ".orders", "orders_customer_fk");
  }

  @Test
  void prepareThresholdBehindADeclaredPooler() throws SQLException {
    String s = schema();
    goodTable(s, "t");

    IsolationReport report = IsolationVerifier.builder(asApp()).schemas(s)
        .poolerCheck(PoolerCheck.ASSUME_TRANSACTION_POOLER).build().verify();

    Finding finding = assertFinding(report, Kind.PREPARE_THRESHOLD_BEHIND_POOLER, db.name(), "prepareThreshold=0");
    assertThat(finding.severity()).isEqualTo(Severity.WARNING);
    assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.PREPARE_THRESHOLD_BEHIND_POOLER);
  }

  @Test
  void directConnectionIsNotAPooler() throws SQLException {
    PoolerDetection detection = IsolationVerifier.detectPooler(asApp());

    assertThat(detection.transactionPoolerDetected()).isFalse();
    assertThat(detection.declared()).isFalse();
    assertThat(detection.firstBackendPid()).isPresent().isEqualTo(detection.secondBackendPid());
    assertThat(detection.prepareThreshold()).hasValue(5);
  }

  @Test
  void theSettingIsTakenFromTheTenantDataSource() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".t (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
    db.execute(TenantPolicy.forTable(s + ".t").setting("app.tenant.id").build().statements()
        .toArray(String[]::new));
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".t TO " + app);
    TenantDataSource dataSource = TenantDataSource.builder(asApp()).setting("app.tenant.id").build();

    assertThat(IsolationVerifier.builder(dataSource).schemas(s).poolerCheck(PoolerCheck.SKIP).build().verify()
        .findings()).isEmpty();
    assertFinding(verify(s), Kind.POLICY_NOT_TENANT_SCOPED, s + ".t", "current_setting('tenancy.tenant_id'");
  }

  @Test
  void exemptTablesAreNotChecked() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".tenants (tenant_id text PRIMARY KEY, name text UNIQUE)",
        "CREATE VIEW " + s + ".tenant_names AS SELECT name FROM " + s + ".tenants",
        "GRANT SELECT ON " + s + ".tenants, " + s + ".tenant_names TO " + app);

    assertThat(verify(s).findings(Kind.RLS_NOT_ENABLED)).extracting(Finding::object).containsExactly(s + ".tenants");
    assertThat(IsolationVerifier.builder(asApp()).schemas(s).exemptTables("tenants").poolerCheck(PoolerCheck.SKIP)
        .build().verify().findings()).isEmpty();
  }

  @Test
  void requireIsolatedListsEveryFinding() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".a (tenant_id text, id bigint PRIMARY KEY)",
        "CREATE TABLE " + s + ".b (tenant_id text NOT NULL, id bigint NOT NULL)",
        "ALTER TABLE " + s + ".b ENABLE ROW LEVEL SECURITY",
        "CREATE VIEW " + s + ".v AS SELECT * FROM " + s + ".b",
        "GRANT SELECT ON " + s + ".v TO " + app);
    IsolationVerifier verifier = IsolationVerifier.builder(asApp()).schemas(s).poolerCheck(PoolerCheck.SKIP).build();
    IsolationReport report = verifier.verify();

    IsolationException e = catchThrowableOfType(IsolationException.class, verifier::requireIsolated);

    assertThat(report.findings()).extracting(Finding::kind).contains(Kind.RLS_NOT_ENABLED, Kind.RLS_NOT_FORCED,
        Kind.NO_POLICY, Kind.UNIQUE_KEY_WITHOUT_TENANT, Kind.TENANT_COLUMN_NOT_INDEXED,
        Kind.VIEW_NOT_SECURITY_INVOKER);
    assertThat(e.report().findings()).isEqualTo(report.findings());
    for (int i = 0; i < report.findings().size(); i++) {
      assertThat(e.getMessage()).contains((i + 1) + ". " + report.findings().get(i));
    }
    assertThat(e.getMessage()).startsWith("tenant isolation is not enforced for role " + app)
        .contains(report.errors().size() + " error(s), " + report.warnings().size() + " warning(s)");
  }

  @Test
  void requireIsolatedReturnsTheReportWhenOnlyWarningsRemain() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".t (tenant_id text NOT NULL, id bigint NOT NULL)");
    protect(s + ".t");

    IsolationReport report = IsolationVerifier.builder(asApp()).schemas(s).poolerCheck(PoolerCheck.SKIP).build()
        .requireIsolated();

    assertThat(report.warnings()).extracting(Finding::kind).containsExactly(Kind.TENANT_COLUMN_NOT_INDEXED);
    assertThat(report.poolerDetection()).isEmpty();
  }

  /**
   * A role of the kit (so the kit drops it with the class database) given attributes the kit does not hand out.
   * Roles are cluster-wide: the kit's unique names keep concurrent runs on one server apart.
   */
  private static TestRole role(String prefix, String attributes) {
    TestRole role = db.createRole(prefix);
    db.execute("ALTER ROLE " + role.name() + " " + attributes);
    return role;
  }

  /** New connections to the class database as the application role. */
  private static DataSource asApp() {
    return appRole.dataSource();
  }

  private static String schema() {
    return VerifierFixtures.schema(db, app, "s" + SCHEMAS.incrementAndGet());
  }

  /** A correctly protected tenant table: composite primary key, generated policy, granted to the app role. */
  private static void goodTable(String schema, String table) {
    db.execute("CREATE TABLE " + schema + "." + table + " (tenant_id text NOT NULL, id bigint NOT NULL,"
        + " PRIMARY KEY (tenant_id, id))");
    protect(schema + "." + table);
  }

  private static void protect(String table) {
    VerifierFixtures.protect(db, app, table);
  }

  private static IsolationReport verify(String schema) throws SQLException {
    return verify(asApp(), schema);
  }

  private static IsolationReport verify(DataSource dataSource, String schema) throws SQLException {
    return VerifierFixtures.verify(dataSource, schema);
  }

  private static Finding assertFinding(IsolationReport report, Kind kind, String object, String messagePart) {
    Finding finding = VerifierFixtures.onlyFinding(report, kind, object, messagePart);
    assertThat(finding.severity()).isEqualTo(kind.defaultSeverity());
    return finding;
  }

  private static void bind(Connection connection, String tenant) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT set_config('tenancy.tenant_id', ?, true), "
        + "set_config('tenancy.tenant_id_stamp', extract(epoch from transaction_timestamp())::text, true)")) {
      statement.setString(1, tenant);
      statement.execute();
    }
  }

  private static int visibleRows(DataSource dataSource, String relation, String tenant) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      bind(connection, tenant);
      try (PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM " + relation);
          ResultSet rows = statement.executeQuery()) {
        rows.next();
        int count = rows.getInt(1);
        connection.rollback();
        return count;
      }
    }
  }
}
