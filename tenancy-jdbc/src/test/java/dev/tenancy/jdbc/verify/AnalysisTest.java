package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The policy rule, on expressions exactly as {@code pg_get_expr} prints them on PostgreSQL 15 with
 * {@code search_path = pg_catalog} (copied from the server; {@code IsolationVerifierCleanFormsIT} checks every form against it).
 */
class AnalysisTest {

  private static final String READ = "NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text)";
  private static final String STAMP = "\n  WHERE (current_setting('tenancy.tenant_id_stamp'::text, true) ="
      + " (EXTRACT(epoch FROM transaction_timestamp()))::text)";

  static Stream<Arguments> documentedForms() {
    return Stream.of(
        Arguments.of("text", "(tenant_id = ( SELECT " + READ + " AS \"nullif\"))"),
        Arguments.of("text", "(tenant_id = ( SELECT " + READ + " AS \"nullif\"" + STAMP + "))"),
        Arguments.of("uuid", "(tenant_id = ( SELECT (" + READ + ")::uuid AS \"nullif\"))"),
        Arguments.of("uuid", "(tenant_id = ( SELECT (" + READ + ")::uuid AS \"nullif\"" + STAMP + "))"),
        Arguments.of("bigint", "(tenant_id = ( SELECT (" + READ + ")::bigint AS \"nullif\"))"),
        Arguments.of("integer", "(tenant_id = ( SELECT (" + READ + ")::integer AS \"nullif\"" + STAMP + "))"),
        Arguments.of("character varying(63)", "((tenant_id)::text = (( SELECT (" + READ
            + ")::character varying(63) AS \"nullif\"))::text)"),
        Arguments.of("character varying(63)", "((tenant_id)::text = ( SELECT " + READ + " AS \"nullif\"" + STAMP
            + "))"),
        Arguments.of("text", "((tenant_id = ( SELECT " + READ + " AS \"nullif\")) AND (NOT archived))"));
  }

  @ParameterizedTest
  @MethodSource("documentedForms")
  void documentedFormsAreScoped(String type, String expression) {
    assertThat(PolicyForms.isTenantEquality(expression, "tenant_id", type, "tenancy.tenant_id")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "true",
      "((tenant_id = ( SELECT " + READ + " AS \"nullif\")) OR (NOT archived))",
      "(tenant_id = COALESCE(" + READ + ", tenant_id))",
      "(tenant_id = NULLIF(current_setting('tenancy.tenant_id'::text, true), ''::text))",
      "(tenant_id >= ( SELECT " + READ + " AS \"nullif\"))",
      "(tenant_id OPERATOR(s1.=) ( SELECT " + READ + " AS \"nullif\"))",
      "(other_tenant_id = ( SELECT " + READ + " AS \"nullif\"))",
      "(tenant_id = ( SELECT NULLIF(current_setting('app.tenant'::text, true), ''::text) AS \"nullif\"))",
      "CASE WHEN (tenant_id = ( SELECT " + READ + " AS \"nullif\")) THEN true ELSE true END",
      "(tenant_id = ( SELECT " + READ + " AS \"nullif\" WHERE (current_setting('x.y'::text, true) = 'a'::text)))",
      "((tenant_id = ( SELECT " + READ + " AS \"nullif\")) AND true OR true)"})
  void otherExpressionsAreNotScoped(String expression) {
    assertThat(PolicyForms.isTenantEquality(expression, "tenant_id", "text", "tenancy.tenant_id")).isFalse();
  }

  @Test
  void theGeneratedPredicateIsOneOfTheForms() {
    assertThat(PolicyForms.forms("tenant_id", "text", "tenancy.tenant_id")).hasSize(2);
    assertThat(PolicyForms.forms("tenant_id", "character varying(20)", "tenancy.tenant_id")).hasSize(4);
  }

  @Test
  void parsesIndexKeysAndConstraintColumns() {
    assertThat(Catalog.parseInts("1 3")).containsExactly(1, 3);
    assertThat(Catalog.parseInts("{2,1}")).containsExactly(2, 1);
    assertThat(Catalog.parseInts("")).isEmpty();
  }
}
