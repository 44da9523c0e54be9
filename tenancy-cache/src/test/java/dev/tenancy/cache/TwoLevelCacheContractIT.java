package dev.tenancy.cache;

import dev.tenancy.test.CacheContract;
import dev.tenancy.test.TestRedis;
import java.time.Duration;
import net.jqwik.api.lifecycle.AfterContainer;

/** The kit's cache contract against the two-level backend (in process in front of standalone Redis). */
class TwoLevelCacheContractIT extends CacheContract {

  private static final TestRedis REDIS = TestRedis.create();
  private static final CacheBackend BACKEND = CacheBackend.twoLevel(
      CacheBackend.inProcess(100_000, 0.5),
      Subjects.redis(REDIS),
      Duration.ofMinutes(1));

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
