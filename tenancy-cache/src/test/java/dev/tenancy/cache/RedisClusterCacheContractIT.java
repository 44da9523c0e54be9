package dev.tenancy.cache;

import dev.tenancy.test.CacheContract;
import dev.tenancy.test.TenancyRedisCluster;
import dev.tenancy.test.TestRedisCluster;
import java.time.Duration;
import net.jqwik.api.lifecycle.AfterContainer;
import org.jspecify.annotations.Nullable;

/** The kit's cache contract against a 3-master Redis Cluster: tags and purges must never fail with CROSSSLOT. */
@TenancyRedisCluster
class RedisClusterCacheContractIT extends CacheContract {

  private static @Nullable TestRedisCluster cluster;
  private static @Nullable CacheBackend backend;

  private static synchronized TestRedisCluster cluster() {
    if (cluster == null) {
      cluster = TestRedisCluster.create();
    }
    return cluster;
  }

  private static synchronized CacheBackend backend() {
    if (backend == null) {
      // @start region="cluster"
      backend = CacheBackend.redisCluster(cluster().nodeUris())
          .namespace(cluster().keyPrefix())
          .timeout(Duration.ofSeconds(5))
          .build();
      // @end region="cluster"
    }
    return backend;
  }

  @AfterContainer
  static synchronized void close() {
    if (backend != null) {
      backend.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected Subject newCache(String name) {
    return Subjects.cache(name, backend());
  }

  @Override
  protected KeyEncoding keyEncoding() {
    return Subjects.keys(cluster().keyPrefix());
  }
}
