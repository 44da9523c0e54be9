package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantId;
import dev.tenancy.test.TenantArbitraries;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;

class KeysTest {

  private final Keys keys = new Keys("tc:");

  @Property(tries = 300)
  void everyKeyOfATenantIsInTheTenantsClusterSlot(@ForAll("tenants") TenantId tenant, @ForAll("text") String cache,
      @ForAll("text") String key, @ForAll("text") String tag) {
    int slot = SlotHash.getSlot(tenant.value().getBytes(StandardCharsets.US_ASCII));
    assertThat(SlotHash.getSlot(keys.entry(tenant, cache, key))).isEqualTo(slot);
    assertThat(SlotHash.getSlot(keys.tenantGeneration(tenant))).isEqualTo(slot);
    assertThat(SlotHash.getSlot(keys.tagGeneration(tenant, tag))).isEqualTo(slot);
    assertThat(SlotHash.getSlot(keys.lease(tenant, cache, key))).isEqualTo(slot);
  }

  @Example
  void keysAreReadable() {
    assertThat(new String(keys.entry(TenantId.of("acme"), "invoices", "2026-11"), StandardCharsets.UTF_8))
        .isEqualTo("tc:{acme}:e:8:invoices2026-11");
    assertThat(new String(keys.tagGeneration(TenantId.of("acme"), "paid"), StandardCharsets.UTF_8))
        .isEqualTo("tc:{acme}:t:paid");
    assertThat(new String(keys.lease(TenantId.of("acme"), "invoices", "2026-11"), StandardCharsets.UTF_8))
        .isEqualTo("tc:{acme}:l:8:invoices2026-11");
  }

  @Example
  void aNamespaceWithBracesIsRejected() {
    assertThatThrownBy(() -> new Keys("app{1}:")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hash tag");
  }

  @Provide
  Arbitrary<TenantId> tenants() {
    return TenantArbitraries.tenantIds();
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(16),
        Arbitraries.strings().withChars("{}:a\u00e4").ofMaxLength(8));
  }
}
