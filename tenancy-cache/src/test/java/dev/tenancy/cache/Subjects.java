package dev.tenancy.cache;

import dev.tenancy.TenantId;
import dev.tenancy.test.CacheContract;
import dev.tenancy.test.TestRedis;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Adapts {@link TenantCache} and {@link Keys} to the kit's cache contract. */
final class Subjects {

  private Subjects() {}

  /** A contract subject over a new UTF-8 string cache named {@code name} on {@code backend}, entries live 5 min. */
  static CacheContract.Subject cache(String name, CacheBackend backend) {
    return of(TenantCache.builder(name, CacheCodec.utf8()).backend(backend).ttl(Duration.ofMinutes(5)).build());
  }

  /** A backend on the standalone Redis of {@code redis}, under its key prefix. */
  static CacheBackend redis(TestRedis redis) {
    return CacheBackend.redis(redis.uri()).namespace(redis.keyPrefix()).timeout(Duration.ofSeconds(5)).build();
  }

  static CacheContract.Subject of(TenantCache<String> cache) {
    return new CacheContract.Subject() {
      @Override
      public String get(String key, Set<String> tags, Supplier<String> loader) {
        return cache.get(key, new EntryOptions(tags, null), k -> loader.get());
      }

      @Override
      public Optional<String> getIfPresent(String key) {
        return cache.getIfPresent(key);
      }

      @Override
      public void put(String key, String value, Set<String> tags) {
        cache.put(key, value, new EntryOptions(tags, null));
      }

      @Override
      public void invalidate(String key) {
        cache.invalidate(key);
      }

      @Override
      public void invalidateTag(String tag) {
        cache.invalidateTag(tag);
      }

      @Override
      public void purgeTenant(TenantId tenant) {
        cache.purgeTenant(tenant);
      }
    };
  }

  static CacheContract.KeyEncoding keys(String namespace) {
    Keys keys = new Keys(namespace);
    return new CacheContract.KeyEncoding() {
      @Override
      public byte[] encode(TenantId tenant, String cache, String key) {
        return keys.entry(tenant, cache, key);
      }

      @Override
      public List<String> decode(byte[] encoded) {
        return Arrays.asList(keys.decodeEntry(encoded));
      }
    };
  }
}
