package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No false positives: every correct form the verifier must accept gives an empty report, with rows of two tenants
 * in each table so the behaviour probe has something to (not) see. One database for the class; PUBLIC has no
 * TEMPORARY privilege in it, as in a correct database, and nothing else is granted beyond what each test needs.
 */
@TenancyPostgres
class IsolationVerifierCleanFormsIT {

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

  static Stream<Arguments> columnTypes() {
    return Stream.of(
        Arguments.of("text", "'acme'", "'globex'"),
        Arguments.of("character varying(63)", "'acme'", "'globex'"),
        Arguments.of("uuid", "'6f1c2b9e-0000-4000-8000-000000000001'", "'6f1c2b9e-0000-4000-8000-000000000002'"),
        Arguments.of("bigint", "1", "2"),
        Arguments.of("integer", "1", "2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("columnTypes")
  void theGeneratedPolicyIsCleanForEveryDocumentedColumnType(String type, String first, String second)
      throws SQLException {
    String s = schema();
    table(s, type, first, second);
    db.execute(TenantPolicy.forTable(s + ".t").columnType(type).build().statements().toArray(String[]::new));

    assertClean(s);
    assertThat(visible(s, first)).as("the policy works: one row per tenant").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("columnTypes")
  void theStampedPolicyIsCleanForEveryDocumentedColumnType(String type, String first, String second)
      throws SQLException {
    String s = schema();
    table(s, type, first, second);
    String predicate = stamped(type);
    db.execute("ALTER TABLE " + s + ".t ENABLE ROW LEVEL SECURITY", "ALTER TABLE " + s + ".t FORCE ROW LEVEL SECURITY",
        "CREATE POLICY tenancy_isolation ON " + s + ".t USING (" + predicate + ") WITH CHECK (" + predicate + ")");

    assertClean(s);
    assertThat(visible(s, first)).isEqualTo(1);
  }

  @Test
  void aRestrictiveTenantPolicyBesideAWidePermissiveOneIsClean() throws SQLException {
    String s = schema();
    table(s, "text", "'acme'", "'globex'");
    String predicate = TenantPolicy.forTable("t").build().predicate();
    db.execute("ALTER TABLE " + s + ".t ENABLE ROW LEVEL SECURITY", "ALTER TABLE " + s + ".t FORCE ROW LEVEL SECURITY",
        "CREATE POLICY everything ON " + s + ".t USING (true)",
        "CREATE POLICY tenant_only ON " + s + ".t AS RESTRICTIVE USING (" + predicate + ") WITH CHECK (" + predicate
            + ")");

    assertClean(s);
  }

  @Test
  void perCommandPoliciesInTheDocumentedFormAreClean() throws SQLException {
    String s = schema();
    table(s, "text", "'acme'", "'globex'");
    String predicate = TenantPolicy.forTable("t").build().predicate();
    db.execute("ALTER TABLE " + s + ".t ENABLE ROW LEVEL SECURITY", "ALTER TABLE " + s + ".t FORCE ROW LEVEL SECURITY",
        "CREATE POLICY reads ON " + s + ".t FOR SELECT USING (" + predicate + ")",
        "CREATE POLICY inserts ON " + s + ".t FOR INSERT WITH CHECK (" + predicate + ")",
        "CREATE POLICY updates ON " + s + ".t FOR UPDATE USING (" + predicate + ") WITH CHECK (" + predicate + ")",
        "CREATE POLICY deletes ON " + s + ".t FOR DELETE USING (" + predicate + " AND id > 0)");

    assertClean(s);
  }

  @Test
  void grantsThroughAGroupRoleAreClean() throws SQLException {
    String s = schema();
    db.execute("CREATE TABLE " + s + ".t (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
        "INSERT INTO " + s + ".t VALUES ('acme', 1), ('globex', 2)");
    db.execute(TenantPolicy.forTable(s + ".t").build().statements().toArray(String[]::new));
    TestRole member = db.createRole("member");
    String group = db.createRole("group").name();
    db.execute("ALTER ROLE " + group + " NOLOGIN", "GRANT " + group + " TO " + member.name(),
        "GRANT USAGE ON SCHEMA " + s + " TO " + group,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".t TO " + group);

    IsolationReport report = IsolationVerifier.builder(member.dataSource()).schemas(s).build().verify();

    assertThat(report.findings()).as(report.toString()).isEmpty();
  }

  /** The stamped predicate of decision 3, written by hand as a migration would. */
  private static String stamped(String type) {
    return "tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::" + type
        + " WHERE current_setting('tenancy.tenant_id_stamp', true) = extract(epoch from transaction_timestamp())::text)";
  }

  private static void table(String schema, String type, String first, String second) {
    db.execute("CREATE TABLE " + schema + ".t (tenant_id " + type + " NOT NULL, id bigint NOT NULL,"
            + " PRIMARY KEY (tenant_id, id))",
        "INSERT INTO " + schema + ".t VALUES (" + first + ", 1), (" + second + ", 2)",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON " + schema + ".t TO " + app);
  }

  private static void assertClean(String schema) throws SQLException {
    IsolationReport report = VerifierFixtures.verify(appRole.dataSource(), schema);
    assertThat(report.findings()).as(report.toString()).isEmpty();
  }

  private static int visible(String schema, String tenantLiteral) throws SQLException {
    String tenant = tenantLiteral.startsWith("'") ? tenantLiteral.substring(1, tenantLiteral.length() - 1)
        : tenantLiteral;
    try (Connection connection = appRole.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement bind = connection.prepareStatement("SELECT set_config('tenancy.tenant_id', ?, true),"
          + " set_config('tenancy.tenant_id_stamp', extract(epoch from transaction_timestamp())::text, true)")) {
        bind.setString(1, tenant);
        bind.execute();
      }
      try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM " + schema + ".t");
          ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      } finally {
        connection.rollback();
      }
    }
  }

  private static String schema() {
    return VerifierFixtures.schema(db, app, "c" + SCHEMAS.incrementAndGet());
  }
}
