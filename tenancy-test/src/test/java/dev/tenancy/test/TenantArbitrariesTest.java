package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TenantArbitrariesTest {

  @Property(tries = 2000)
  void generatedTenantIdsAreAccepted(@ForAll("valid") TenantId id) {
    assertThat(TenantId.of(id.value())).isEqualTo(id);
  }

  @Property(tries = 2000)
  void generatedInvalidIdsAreRejected(@ForAll("invalid") String candidate) {
    assertThatThrownBy(() -> TenantId.of(candidate)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 1000)
  void tenantSetsAreDistinctAndOfTheRequestedSize(@ForAll("threeTenants") List<TenantId> tenants) {
    assertThat(tenants).hasSize(3).doesNotHaveDuplicates();
  }

  @Property(tries = 1000)
  void interleavingsUseOnlyTheChosenTenantsWithinTheStepBounds(@ForAll("steps") List<TenantStep<String>> steps) {
    assertThat(steps).hasSizeBetween(2, 30);
    Set<TenantId> tenants = steps.stream().map(TenantStep::tenant).collect(Collectors.toSet());
    assertThat(tenants).hasSizeLessThanOrEqualTo(3);
    assertThat(steps).allSatisfy(s -> assertThat(s.operation()).isIn("put", "get", "delete"));
  }

  @Provide
  Arbitrary<TenantId> valid() {
    return TenantArbitraries.tenantIds();
  }

  @Provide
  Arbitrary<String> invalid() {
    return TenantArbitraries.invalidTenantIds();
  }

  @Provide
  Arbitrary<List<TenantId>> threeTenants() {
    return TenantArbitraries.tenantIds(3);
  }

  @Provide
  Arbitrary<List<TenantStep<String>>> steps() {
    return TenantArbitraries.interleavings(3, Arbitraries.of("put", "get", "delete"), 2, 30);
  }

  @org.junit.jupiter.api.Test
  void validIdsReachTheBoundaries() {
    List<String> sample = TenantArbitraries.tenantIds().sampleStream().limit(3000).map(TenantId::value).toList();
    assertThat(sample).anyMatch(s -> s.length() == 1);
    assertThat(sample).anyMatch(s -> s.length() == 63);
    assertThat(sample).contains("0");
    assertThat(sample).anyMatch(s -> s.length() > 1 && s.chars().allMatch(Character::isDigit));
    assertThat(sample).anyMatch(s -> s.contains("-"));
    assertThat(sample).anyMatch(s -> s.contains("_"));
    assertThat(new HashSet<>(sample).size()).as("distinct values").isGreaterThan(1000);
  }

  @org.junit.jupiter.api.Test
  void invalidIdsCoverEveryKindOfMistake() {
    List<String> sample = TenantArbitraries.invalidTenantIds().sampleStream().limit(5000).toList();
    assertThat(sample).contains("", "a'; DROP TABLE invoices; --", "acme\n", "acme\u0000", "\u212aey");
    assertThat(sample).anyMatch(s -> s.length() >= 64 && s.length() <= 300);
    assertThat(sample).anyMatch(s -> s.length() >= 10_000);
    assertThat(sample).anyMatch(s -> s.startsWith("-") || s.startsWith("_"));
    assertThat(sample).anyMatch(s -> !s.equals(s.toLowerCase(java.util.Locale.ROOT)));
    assertThat(sample).anyMatch(s -> s.chars().anyMatch(c -> c < 0x20));
    assertThat(sample).anyMatch(s -> s.chars().anyMatch(c -> c > 0x7f));
    assertThat(sample).anyMatch(s -> s.contains("%") || s.contains(":") || s.contains("{") || s.contains("/"));
  }

  @org.junit.jupiter.api.Test
  void badArgumentsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> TenantArbitraries.tenantIds(0)).hasMessageContaining("count").hasMessageContaining("0");
    assertThatThrownBy(() -> TenantArbitraries.interleavings(2, Arbitraries.just("x"), 5, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSteps was 5");
  }
}
