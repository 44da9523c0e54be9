package dev.tenancy.cache;

import dev.tenancy.test.CacheContract;
import dev.tenancy.test.TestRedis;
import net.jqwik.api.lifecycle.AfterContainer;

/** The kit's cache contract against standalone Redis. */
class RedisCacheContractIT extends CacheContract {

  private static final TestRedis REDIS = TestRedis.create();
  private static final CacheBackend BACKEND = Subjects.redis(REDIS);

  @AfterContainer
  static void close() {
    BACKEND.close();
    REDIS.close();
  }

  @Override
  protected Subject newCache(String name) {
    return Subjects.cache(name, BACKEND);
  }

  @Override
  protected KeyEncoding keyEncoding() {
    return Subjects.keys(REDIS.keyPrefix());
  }
}
