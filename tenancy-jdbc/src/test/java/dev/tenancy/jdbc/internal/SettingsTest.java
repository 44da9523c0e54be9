package dev.tenancy.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.jdbc.TenantDataSource;
import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.verify.IsolationVerifier;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.postgresql.ds.PGSimpleDataSource;

/** One setting rule and one set-once message for every builder of tenancy-jdbc. */
class SettingsTest {

  private static final PGSimpleDataSource UNUSED = new PGSimpleDataSource();

  @Property(tries = 2000)
  void everyBuilderAcceptsAndRefusesTheSameSettingNames(@ForAll("settingNames") String name) {
    boolean policy = accepts(() -> TenantPolicy.forTable("t").setting(name));
    boolean dataSource = accepts(() -> TenantDataSource.builder(UNUSED).setting(name));
    boolean verifier = accepts(() -> IsolationVerifier.builder(UNUSED).setting(name));

    assertThat(List.of(policy, dataSource, verifier)).as(name).containsOnly(Settings.isValid(name));
  }

  @Example
  void namesPostgresqlAcceptsAreAcceptedByAll() {
    for (String name : List.of("tenancy.tenant_id", "app.tenant.id", "App.Tenant_Id", "a$.b$", "_a._b")) {
      assertThat(Settings.requireValid(name)).isEqualTo(name);
      assertThat(TenantPolicy.forTable("t").setting(name).build().setting()).isEqualTo(name);
      assertThat(TenantDataSource.builder(UNUSED).setting(name).build().setting()).isEqualTo(name);
    }
  }

  @Example
  void namesPostgresqlRefusesOrWeCannotQuoteAreRefusedByAll() {
    for (String name : List.of("tenant_id", "a..b", "a.1b", "a.b-c", "a.b'c", ".a", "a.", "a b.c", "a.b;x")) {
      assertThatThrownBy(() -> Settings.requireValid(name)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + name + "'");
    }
    assertThatThrownBy(() -> Settings.requireValid("a." + "b".repeat(Settings.MAX_LENGTH)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Example
  void theDefaultIsTheSameEverywhereAndTheStampIsDerivedFromIt() {
    assertThat(TenantPolicy.DEFAULT_SETTING).isEqualTo(Settings.DEFAULT);
    assertThat(TenantDataSource.DEFAULT_SETTING).isEqualTo(Settings.DEFAULT);
    assertThat(TenantPolicy.forTable("t").build().setting()).isEqualTo(Settings.DEFAULT);
    assertThat(TenantDataSource.wrap(UNUSED).setting()).isEqualTo(Settings.DEFAULT);
    assertThat(Settings.stampOf("app.tenant")).isEqualTo("app.tenant_stamp");
  }

  @Example
  void everyBuilderReportsASecondSettingInOneForm() {
    List<Runnable> twice = List.of(
        () -> TenantPolicy.forTable("t").setting("a.b").setting("c.d"),
        () -> TenantDataSource.builder(UNUSED).setting("a.b").setting("c.d"),
        () -> IsolationVerifier.builder(UNUSED).setting("a.b").setting("c.d"));
    for (Runnable call : twice) {
      assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class)
          .hasMessage("setting was already set to a.b; set it once");
    }
    assertThatThrownBy(() -> IsolationVerifier.builder(UNUSED).poolerProbeTimeout(Duration.ofSeconds(1))
        .poolerProbeTimeout(Duration.ofSeconds(2)))
        .hasMessage("poolerProbeTimeout was already set to PT1S; set it once");
    assertThatThrownBy(() -> TenantDataSource.builder(UNUSED).behindTransactionPooler().behindTransactionPooler())
        .hasMessage("behindTransactionPooler was already set to true; set it once");
  }

  @Example
  void everyBuilderBuildsOnceWithOneMessage() {
    TenantPolicy.Builder policy = TenantPolicy.forTable("t");
    policy.build();
    TenantDataSource.Builder dataSource = TenantDataSource.builder(UNUSED);
    dataSource.build();
    IsolationVerifier.Builder verifier = IsolationVerifier.builder(UNUSED);
    verifier.build();

    assertThatThrownBy(policy::build).hasMessage("this TenantPolicy.Builder was already built; start a new builder");
    assertThatThrownBy(() -> dataSource.setting("a.b"))
        .hasMessage("this TenantDataSource.Builder was already built; start a new builder");
    assertThatThrownBy(verifier::build)
        .hasMessage("this IsolationVerifier.Builder was already built; start a new builder");
  }

  @Provide
  Arbitrary<String> settingNames() {
    Arbitrary<String> part = Arbitraries.strings().withChars("abcXYZ_$019.-' é").ofMinLength(0).ofMaxLength(6);
    Arbitrary<String> plausible = part.list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join(".", parts));
    return Arbitraries.oneOf(plausible, Arbitraries.strings().ofMaxLength(12),
        Arbitraries.just("a." + "b".repeat(Settings.MAX_LENGTH - 2)),
        Arbitraries.just("a." + "b".repeat(Settings.MAX_LENGTH - 1)));
  }

  private static boolean accepts(Runnable call) {
    try {
      call.run();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
