package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.verify.Finding.Severity;
import dev.tenancy.jdbc.verify.IsolationVerifier.PoolerCheck;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class IsolationVerifierTest {

  private final PGSimpleDataSource unused = new PGSimpleDataSource();

  @Test
  void settingAnOptionTwiceFails() {
    IsolationVerifier.Builder builder = IsolationVerifier.builder(unused).schemas("public");

    assertThatThrownBy(() -> builder.schemas("billing")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schemas");
  }

  @Test
  void aProbeTimeoutWithoutProbingIsRejectedNamingBothOptions() {
    IsolationVerifier.Builder builder = IsolationVerifier.builder(unused).poolerCheck(PoolerCheck.SKIP)
        .poolerProbeTimeout(Duration.ofSeconds(1));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("poolerProbeTimeout").hasMessageContaining("SKIP");
  }

  @Test
  void aBuilderBuildsOnce() {
    IsolationVerifier.Builder builder = IsolationVerifier.builder(unused);
    builder.build();

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void badNamesAndTimeoutsAreRejected() {
    assertThatThrownBy(() -> IsolationVerifier.builder(unused).tenantColumn("tenant_id; --"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tenant_id; --'");
    assertThatThrownBy(() -> IsolationVerifier.builder(unused).setting("nodot"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nodot'");
    assertThatThrownBy(() -> IsolationVerifier.builder(unused).exemptTables(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IsolationVerifier.builder(unused).schemas())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IsolationVerifier.builder(unused).poolerProbeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
  }

  @Test
  void namedStatementClashesAreRecognisedThroughCauses() {
    assertThat(PoolerProbe.isStatementClash(new SQLException("exists", "42P05"))).isTrue();
    assertThat(PoolerProbe.isStatementClash(new SQLException("wrapped", "08006",
        new SQLException("missing", "26000")))).isTrue();
    assertThat(PoolerProbe.isStatementClash(new SQLException("syntax", "42601"))).isFalse();
  }

  @Test
  void reportOrdersErrorsFirstAndCountsThem() {
    Finding warning = Finding.of(Kind.TENANT_COLUMN_NOT_INDEXED, "public.a", "w");
    Finding error = Finding.of(Kind.RLS_NOT_ENABLED, "public.b", "e");

    IsolationReport report = new IsolationReport("app", "db", List.of(warning, error), null);

    assertThat(report.findings()).containsExactly(error, warning);
    assertThat(report.errors()).containsExactly(error);
    assertThat(report.warnings()).containsExactly(warning);
    assertThat(report.hasErrors()).isTrue();
    assertThat(report.isClean()).isFalse();
    assertThat(report.toString()).contains("1 error(s), 1 warning(s)").contains("[ERROR] RLS_NOT_ENABLED public.b: e");
    assertThat(new IsolationException(report).getMessage()).contains("1. [ERROR] RLS_NOT_ENABLED public.b: e")
        .contains("2. [WARNING] TENANT_COLUMN_NOT_INDEXED public.a: w");
  }

  @Test
  void findingsTakeTheirKindsSeverity() {
    assertThat(Finding.of(Kind.COMMAND_NOT_COVERED, "t", "m").severity()).isEqualTo(Severity.WARNING);
    assertThat(Finding.of(Kind.UNIQUE_KEY_WITHOUT_TENANT, "t", "m").severity()).isEqualTo(Severity.ERROR);
  }
}
