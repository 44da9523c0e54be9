package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantPolicyTest {

  private static final String TEXT_PREDICATE =
      "tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text WHERE "
          + "current_setting('tenancy.tenant_id_stamp', true) = extract(epoch from transaction_timestamp())::text)";

  @Test
  void defaultsProduceEnableForcePolicyAndDefaultInOrder() {
    TenantPolicy policy = TenantPolicy.forTable("invoices").build();

    assertThat(policy.statements()).containsExactly(
        "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE invoices FORCE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS tenancy_isolation ON invoices",
        "CREATE POLICY tenancy_isolation ON invoices AS PERMISSIVE FOR ALL TO PUBLIC\n"
            + "  USING (" + TEXT_PREDICATE + ")\n"
            + "  WITH CHECK (" + TEXT_PREDICATE + ")",
        "ALTER TABLE invoices ALTER COLUMN tenant_id SET DEFAULT "
            + "nullif(current_setting('tenancy.tenant_id', true), '')::text");
    assertThat(policy.predicate()).isEqualTo(TEXT_PREDICATE);
  }

  @Test
  void sqlEndsEveryStatementWithASemicolon() {
    TenantPolicy policy = TenantPolicy.forTable("invoices").build();

    assertThat(policy.sql()).isEqualTo(String.join(";\n", policy.statements()) + ";\n");
    assertThat(policy.toString()).isEqualTo(policy.sql());
  }

  @Test
  void predicateHasNoOrBranchAndReadsTheSettingInASubSelect() {
    String predicate = TenantPolicy.forTable("invoices").build().predicate();

    assertThat(predicate).doesNotContainIgnoringCase(" or ").contains("(SELECT nullif(current_setting(");
  }

  @Test
  void uuidColumnCastsInsideTheSubSelectAndInTheDefault() {
    TenantPolicy policy = TenantPolicy.forTable("billing.invoices").tenantColumn("org_id").columnType("UUID")
        .setting("app.current_org").policyName("org_isolation").build();

    assertThat(policy.predicate())
        .isEqualTo("org_id = (SELECT nullif(current_setting('app.current_org', true), '')::uuid WHERE "
            + "current_setting('app.current_org_stamp', true) = extract(epoch from transaction_timestamp())::text)");
    assertThat(policy.statements().get(2)).isEqualTo("DROP POLICY IF EXISTS org_isolation ON billing.invoices");
    assertThat(policy.statements().get(4)).isEqualTo("ALTER TABLE billing.invoices ALTER COLUMN org_id SET DEFAULT "
        + "nullif(current_setting('app.current_org', true), '')::uuid");
  }

  @Test
  void keywordsAndMixedCaseNamesAreQuoted() {
    TenantPolicy policy = TenantPolicy.forTable("Sales.order").tenantColumn("Tenant").build();

    assertThat(policy.statements().get(0)).isEqualTo("ALTER TABLE \"Sales\".\"order\" ENABLE ROW LEVEL SECURITY");
    assertThat(policy.predicate()).startsWith("\"Tenant\" = ");
  }

  @Test
  void indexStatementLeadsWithTheTenantColumn() {
    TenantPolicy policy = TenantPolicy.forTable("billing.invoices").build();

    assertThat(policy.indexStatement("id"))
        .isEqualTo("CREATE INDEX IF NOT EXISTS invoices_tenant_id_id_idx ON billing.invoices (tenant_id, id)");
    assertThat(policy.indexStatement())
        .isEqualTo("CREATE INDEX IF NOT EXISTS invoices_tenant_id_idx ON billing.invoices (tenant_id)");
    assertThatThrownBy(() -> policy.indexStatement("tenant_id")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant_id");
  }

  @Test
  void longIndexNamesAreCutTo63Characters() {
    String table = "t".repeat(60);
    String statement = TenantPolicy.forTable(table).build().indexStatement("id");

    assertThat(statement).startsWith("CREATE INDEX IF NOT EXISTS " + (table + "_tenant_id_id_idx").substring(0, 63)
        + " ON ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"invoices; DROP TABLE users", "invoices\"", "a.b.c", "inv oices", "invoices--", "",
      "1invoices", "public.", "x'y"})
  void injectionInTableNamesIsRejectedNamingTheValue(String table) {
    assertThatThrownBy(() -> TenantPolicy.forTable(table)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + table + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tenant_id = tenant_id OR true", "tenant_id\"", "x); DROP TABLE t; --", "tenant id"})
  void injectionInColumnAndPolicyNamesIsRejectedNamingTheValue(String name) {
    assertThatThrownBy(() -> TenantPolicy.forTable("t").tenantColumn(name))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
    assertThatThrownBy(() -> TenantPolicy.forTable("t").policyName(name))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
    assertThatThrownBy(() -> TenantPolicy.forTable("t").build().indexStatement(name))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tenancy.tenant_id', true) OR true OR current_setting('x", "tenant_id", "a.b'c", "a..b"})
  void injectionInTheSettingIsRejected(String setting) {
    assertThatThrownBy(() -> TenantPolicy.forTable("t").setting(setting))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + setting + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"text); DROP TABLE t; --", "uuid OR true", "uuid or true", "text'", "int[]; x",
      "character varying(5) OR true"})
  void injectionInTheColumnTypeIsRejected(String type) {
    assertThatThrownBy(() -> TenantPolicy.forTable("t").columnType(type))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + type + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"text", "uuid", "bigint", "character varying(63)", "numeric(10, 0)", "pg_catalog.uuid"})
  void ordinaryColumnTypesAreAccepted(String type) {
    assertThat(TenantPolicy.forTable("t").columnType(type).build().predicate())
        .contains("::" + type + " WHERE current_setting('tenancy.tenant_id_stamp', true)");
  }

  @Test
  void settingAnOptionTwiceFailsNamingTheValue() {
    TenantPolicy.Builder builder = TenantPolicy.forTable("t").tenantColumn("a");

    assertThatThrownBy(() -> builder.tenantColumn("b")).isInstanceOf(IllegalStateException.class)
        .hasMessage("tenantColumn was already set to a; set it once");
  }

  @Test
  void aBuilderBuildsOnce() {
    TenantPolicy.Builder builder = TenantPolicy.forTable("t");
    builder.build();

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.setting("a.b")).isInstanceOf(IllegalStateException.class);
  }
}
