package dev.tenancy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.test.TenancyRedisCluster;
import dev.tenancy.test.TestRedisCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Read-through, tags and purge on a 3-master Redis Cluster, with tenants spread over the masters. */
@TenancyRedisCluster
class RedisClusterIT {

  @Test
  void tagsAndPurgeWorkPerTenantAcrossTheClusterSlots(TestRedisCluster cluster) {
    try (CacheBackend backend = CacheBackend.redisCluster(cluster.nodeUris()).namespace(cluster.keyPrefix())
        .timeout(Duration.ofSeconds(5)).build()) {
      TenantCache<String> cache = TenantCache.builder("cluster", CacheCodec.utf8()).backend(backend)
          .ttl(Duration.ofMinutes(1)).build();
      for (int t = 0; t < 12; t++) {
        TenantId tenant = TenantId.of("tenant-" + t);
        TenantContext.run(tenant, () -> {
          cache.put("k", tenant.value(), EntryOptions.tags("x"));
          assertThat(cache.getIfPresent("k")).as("put then read by %s", tenant).contains(tenant.value());
          assertThat(cache.get("j", EntryOptions.tags("x"), k -> "loaded")).isEqualTo("loaded");
          assertThat(cache.get("j", EntryOptions.tags("x"), k -> "again")).isEqualTo("loaded");
        });
      }
      TenantContext.run(TenantId.of("tenant-0"), () -> cache.invalidateTag("x"));
      cache.purgeTenant(TenantId.of("tenant-1"));
      TenantContext.run(TenantId.of("tenant-0"), () -> assertThat(cache.getIfPresent("k")).isEmpty());
      TenantContext.run(TenantId.of("tenant-1"), () -> assertThat(cache.getIfPresent("j")).isEmpty());
      for (int t = 2; t < 12; t++) {
        TenantId tenant = TenantId.of("tenant-" + t);
        TenantContext.run(tenant, () -> assertThat(cache.getIfPresent("k")).contains(tenant.value()));
      }
    }
  }
}
