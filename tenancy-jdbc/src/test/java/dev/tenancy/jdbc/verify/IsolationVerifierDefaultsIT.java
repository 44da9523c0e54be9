package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Without {@code schemas(...)} every non-system schema is checked; this class owns its whole database. */
@TenancyPostgres
class IsolationVerifierDefaultsIT {

  private static TestRole app;

  @BeforeAll
  static void createSchemas(TestDatabase db) {
    app = db.createRole("app");
    db.execute("REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC");
    db.execute("CREATE SCHEMA billing", "CREATE SCHEMA reporting",
        "GRANT USAGE ON SCHEMA billing, reporting TO " + app.name(),
        "CREATE TABLE public.notes (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
        "CREATE TABLE billing.invoices (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
        "CREATE TABLE public.settings (key text PRIMARY KEY, value text)",
        "CREATE VIEW reporting.invoice_count AS SELECT tenant_id, count(*) FROM billing.invoices GROUP BY 1",
        "GRANT SELECT ON reporting.invoice_count, public.settings TO " + app.name(),
        "GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes, billing.invoices TO " + app.name());
    db.execute(TenantPolicy.forTable("public.notes").build().statements().toArray(String[]::new));
  }

  @Test
  void everyNonSystemSchemaIsCheckedAndViewsAreFollowedAcrossSchemas() throws SQLException {
    IsolationReport report = IsolationVerifier.builder(app.dataSource()).build().verify();

    assertThat(report.findings()).extracting(Finding::object)
        .contains("billing.invoices", "reporting.invoice_count")
        .doesNotContain("public.notes", "public.settings")
        .noneMatch(object -> object.startsWith("pg_catalog.") || object.startsWith("information_schema."));
    assertThat(report.findings(Kind.RLS_NOT_ENABLED)).extracting(Finding::object).containsExactly("billing.invoices");
    assertThat(report.findings(Kind.VIEW_NOT_SECURITY_INVOKER)).extracting(Finding::object)
        .containsExactly("reporting.invoice_count");
  }

  @Test
  void aSchemaListLimitsTheTablesChecked() throws SQLException {
    IsolationReport report = IsolationVerifier.builder(app.dataSource()).schemas("public").build().verify();

    assertThat(report.findings()).isEmpty();
  }
}
