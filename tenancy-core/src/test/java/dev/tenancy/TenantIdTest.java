package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantIdTest {

  private static final Pattern SYNTAX = Pattern.compile(TenantId.SYNTAX);

  @ParameterizedTest
  @ValueSource(strings = {"a", "0", "acme", "acme-eu_1", "7c9e6679-7425-40de-944b-e07fc1f90ae7",
      "abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxy"})
  void acceptsValidIds(String value) {
    assertThat(TenantId.of(value).value()).isEqualTo(value);
    assertThat(TenantId.of(value)).hasToString(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Acme", "-acme", "_acme", "acme corp", "acme;drop table t", "a'b", "a\"b", "a:b",
      "a{b}", "a/b", "a.b", "a%", "acme\n", "acme\u0000", "аcme", " acme", "abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz"})
  void rejectsMalformedIdsNamingTheValue(String value) {
    assertThatThrownBy(() -> TenantId.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant id must match")
        .hasMessageNotContaining("\n")
        .hasMessageNotContaining("\u0000");
    assertThat(TenantId.isValid(value)).isFalse();
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> TenantId.of(null)).isInstanceOf(NullPointerException.class);
    assertThat(TenantId.isValid(null)).isFalse();
  }

  @Test
  void oversizedInputIsReportedShortly() {
    String huge = "a".repeat(1_000_000);
    assertThatThrownBy(() -> TenantId.of(huge))
        .hasMessageContaining("1000000 characters")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }

  @Property(tries = 1000)
  void validityMatchesTheDocumentedSyntax(@ForAll String candidate) {
    assertThat(TenantId.isValid(candidate)).isEqualTo(SYNTAX.matcher(candidate).matches());
  }

  @Property(tries = 1000)
  void validIdsRoundTripAndEqualityFollowsText(@ForAll("ids") String first, @ForAll("ids") String second) {
    TenantId a = TenantId.of(first);
    TenantId b = TenantId.of(second);
    assertThat(a.value()).isEqualTo(first);
    assertThat(a.equals(b)).isEqualTo(first.equals(second));
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(first.compareTo(second)));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> ids() {
    return Ids.validIds();
  }
}
