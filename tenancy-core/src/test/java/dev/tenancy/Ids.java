package dev.tenancy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Tenant-id generators for core's own tests (the test kit depends on core, so core cannot use the kit). */
final class Ids {

  private Ids() {}

  static Arbitrary<String> validIds() {
    Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('0', '9');
    Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
        .withChars('-', '_').ofMaxLength(TenantId.MAX_LENGTH - 1);
    return Combinators.combine(first, rest).as((c, s) -> c + s)
        .edgeCases(config -> config.add("a").add("0").add("a".repeat(TenantId.MAX_LENGTH)));
  }

  static Arbitrary<TenantId> tenants(int distinct) {
    return Arbitraries.of(java.util.stream.IntStream.range(0, distinct)
        .mapToObj(i -> TenantId.of("t" + i)).toList());
  }
}
