package dev.tenancy.cache;

import dev.tenancy.test.CacheContract;
import dev.tenancy.test.TestRedis;
import java.time.Duration;
import net.jqwik.api.lifecycle.AfterContainer;

/** The kit's cache contract against standalone Redis. */
class RedisCacheContractIT extends CacheContract {

  private static final TestRedis REDIS = TestRedis.create();
  private static final CacheBackend BACKEND =
      CacheBackend.redis(REDIS.uri()).namespace(REDIS.keyPrefix()).timeout(Duration.ofSeconds(5)).build();

  @AfterContainer
  static void close() {
    BACKEND.close();
    REDIS.close();
  }

  @Override
  protected Subject newCache(String name) {
    return Subjects.of(TenantCache.builder(name, CacheCodec.utf8()).backend(BACKEND).ttl(Duration.ofMinutes(5)).build());
  }

  @Override
  protected KeyEncoding keyEncoding() {
    return Subjects.keys(REDIS.keyPrefix());
  }
}
