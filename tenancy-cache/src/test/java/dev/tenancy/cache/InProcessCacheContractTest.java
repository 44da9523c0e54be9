package dev.tenancy.cache;

import dev.tenancy.test.CacheContract;
import java.time.Duration;

/** The kit's cache contract against the in-process backend. */
// @start region="contract"
class InProcessCacheContractTest extends CacheContract {

  private static final CacheBackend BACKEND = CacheBackend.inProcess(100_000, 0.5);

  @Override
  protected Subject newCache(String name) {
    return Subjects.of(TenantCache.builder(name, CacheCodec.utf8()).backend(BACKEND).ttl(Duration.ofMinutes(5)).build());
  }

  @Override
  protected KeyEncoding keyEncoding() {
    return Subjects.keys("tc:");
  }
}
// @end region="contract"
