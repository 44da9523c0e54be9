package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The textual policy rule, on expressions exactly as {@code pg_get_expr} prints them on PostgreSQL 15. */
class AnalysisTest {

  private final Analysis analysis = new Analysis(emptyCatalog(), "tenant_id", "tenancy.tenant_id", Set.of(),
      Set.of());

  @ParameterizedTest
  @ValueSource(strings = {
      "(tenant_id = ( SELECT NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text) AS \"nullif\"))",
      "(tenant_id = NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text))",
      "((tenant_id)::uuid = ( SELECT (NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text))::uuid"
          + " AS \"nullif\"))"})
  void tenantPredicatesAreScoped(String expression) {
    assertThat(analysis.scoped(expression)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "true",
      "((tenant_id = NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text)) OR COALESCE("
          + "(NULLIF(current_setting('tenancy.tenant_id_root'::text, true), ''::text))::boolean, false))",
      "(other_tenant_id = current_setting('tenancy.tenant_id'::text, true))",
      "(tenant_id = current_setting('app.tenant'::text, true))",
      "(owner = CURRENT_USER)",
      "(tenant_id IS NOT NULL)"})
  void widePredicatesAreNotScoped(String expression) {
    assertThat(analysis.scoped(expression)).isFalse();
  }

  @Test
  void parsesIndexKeysAndConstraintColumns() {
    assertThat(Catalog.parseInts("1 3")).containsExactly(1, 3);
    assertThat(Catalog.parseInts("{2,1}")).containsExactly(2, 1);
    assertThat(Catalog.parseInts("")).isEmpty();
  }

  private static Catalog emptyCatalog() {
    return new Catalog(new Catalog.Role("app", false, false), "db", List.of(), List.of(), List.of(), List.of(),
        List.of(), List.of());
  }
}
