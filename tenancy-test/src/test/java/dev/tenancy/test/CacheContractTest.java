package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The cache contract catches the classic mistakes: a key without the tenant, a naive key concatenation. */
class CacheContractTest {

  /** A map cache that forgets the tenant in its keys, and joins cache and key with ':'. */
  static final class Leaky extends CacheContract {
    private final Map<String, String> map = new HashMap<>();

    @Override
    protected Subject newCache(String name) {
      map.clear();
      return new Subject() {
        @Override
        public String get(String key, Set<String> tags, Supplier<String> loader) {
          return map.computeIfAbsent(key, k -> loader.get());
        }

        @Override
        public Optional<String> getIfPresent(String key) {
          return Optional.ofNullable(map.get(key));
        }

        @Override
        public void put(String key, String value, Set<String> tags) {
          map.put(key, value);
        }

        @Override
        public void invalidate(String key) {
          map.remove(key);
        }

        @Override
        public void invalidateTag(String tag) {
          map.clear();
        }

        @Override
        public void purgeTenant(TenantId tenant) {
          map.clear();
        }
      };
    }

    @Override
    protected KeyEncoding keyEncoding() {
      return new KeyEncoding() {
        @Override
        public byte[] encode(TenantId tenant, String cache, String key) {
          return (tenant.value() + ":" + cache + ":" + key).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public List<String> decode(byte[] encoded) {
          return List.of(new String(encoded, StandardCharsets.UTF_8).split(":", 3));
        }
      };
    }
  }

  private final Leaky leaky = new Leaky();

  @Test
  void aCacheWhoseKeysLackTheTenantFails() {
    TenantId a = TenantId.of("a");
    TenantId b = TenantId.of("b");
    List<TenantStep<CacheContract.Op>> program = List.of(
        new TenantStep<>(a, new CacheContract.Put("k", Set.of())),
        new TenantStep<>(b, new CacheContract.Peek("k")));
    assertThatThrownBy(() -> leaky.readsSeeOnlyTheirTenantsLatestValue(program))
        .isInstanceOf(AssertionError.class).hasMessageContaining("expected a miss but got 'a/k/1'");
  }

  @Test
  void aTagInvalidationThatTouchesAnotherTenantFails() {
    // Tenant a's own put reads back in this leaky cache, so only b's tag invalidation can make the last read fail.
    TenantId a = TenantId.of("a");
    TenantId b = TenantId.of("b");
    List<TenantStep<CacheContract.Op>> program = List.of(
        new TenantStep<>(a, new CacheContract.Put("k", Set.of("t"))),
        new TenantStep<>(b, new CacheContract.InvalidateTag("t")),
        new TenantStep<>(a, new CacheContract.Peek("k")));
    assertThatThrownBy(() -> leaky.readsSeeOnlyTheirTenantsLatestValue(program))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void aNaiveKeyConcatenationFails() {
    assertThatThrownBy(() -> leaky.distinctTriplesNeverShareAKey(
        TenantId.of("a"), "x:", "y", TenantId.of("a"), "x", ":y"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("share a stored key");
    assertThatThrownBy(() -> leaky.keyEncodingRoundTrips(TenantId.of("a"), "x:y", "z"))
        .isInstanceOf(AssertionError.class);
  }
}
