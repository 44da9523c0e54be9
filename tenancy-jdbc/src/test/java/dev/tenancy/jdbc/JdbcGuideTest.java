package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The examples of docs/jdbc.md that need no server, compiled and checked (docs-check compares the regions). */
class JdbcGuideTest {

  @Test
  void policyBuilder() {
    // @start region="policy"
    TenantPolicy policy = TenantPolicy.forTable("billing.invoices")   // or just "invoices"
        .tenantColumn("tenant_id")      // default
        .columnType("text")             // default; "uuid", "bigint", "character varying(63)" ...
        .setting("tenancy.tenant_id")   // default; must match the DataSource
        .build();
    policy.statements();               // List<String>, in order, no semicolons
    policy.sql();                      // one script, ready for V7__invoices_rls.sql
    policy.indexStatement("id");       // CREATE INDEX IF NOT EXISTS invoices_tenant_id_id_idx ON billing.invoices (tenant_id, id)
    // @end region="policy"
    assertThat(policy.statements()).isNotEmpty().noneMatch(s -> s.endsWith(";"));
    assertThat(policy.sql()).contains("ENABLE ROW LEVEL SECURITY");
    assertThat(policy.indexStatement("id"))
        .isEqualTo("CREATE INDEX IF NOT EXISTS invoices_tenant_id_id_idx ON billing.invoices (tenant_id, id)");
  }
}
