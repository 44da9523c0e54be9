package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import dev.tenancy.test.TenancyRedisCluster;
import dev.tenancy.test.TestRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The distributed limiter and budget on a real three-master Redis Cluster, with two independent clients. */
@TenancyRedisCluster
class RedisClusterLimiterIT {

  @Test
  void twoClusterClientsShareEachTenantsBudgetAcrossMasters(TestRedisCluster cluster) throws Exception {
    RedisClusterClient clientA = RedisClusterClient.create(cluster.uri());
    RedisClusterClient clientB = RedisClusterClient.create(cluster.uri());
    try (StatefulRedisClusterConnection<String, String> a = clientA.connect();
        StatefulRedisClusterConnection<String, String> b = clientB.connect()) {
      RateLimitPlans plans = RateLimitPlans.of(TestPlans.EVERYONE,
          RateLimitPlan.of("std", 30, Duration.ofHours(1)).withSubjectQuota(10, Duration.ofHours(1)));
      TenantRateLimiter one = TenantRateLimiter.builder().plans(plans).redis(a).keyPrefix(cluster.key("rl:"))
          .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2)).build();
      TenantRateLimiter two = TenantRateLimiter.builder().plans(plans).redis(b).keyPrefix(cluster.key("rl:"))
          .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2)).build();
      // enough tenants that their slots fall on all three masters
      List<TenantId> tenants = new ArrayList<>();
      Set<Integer> thirds = new HashSet<>();
      for (int i = 0; i < 12; i++) {
        TenantId tenant = TenantId.of("tenant-" + i);
        tenants.add(tenant);
        thirds.add(SlotHash.getSlot(tenant.value()) * 3 / SlotHash.SLOT_COUNT);
      }
      assertThat(thirds).hasSize(3);
      for (TenantId tenant : tenants) {
        List<CompletableFuture<Decision>> decisions = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          TenantRateLimiter limiter = i % 2 == 0 ? one : two;
          decisions.add(limiter.decideAsync(tenant, "user-" + (i % 4), 1).toCompletableFuture());
        }
        long allowed = 0;
        for (CompletableFuture<Decision> d : decisions) {
          assertThat(d.get().degraded()).isFalse();
          allowed += d.get().allowed() ? 1 : 0;
        }
        assertThat(allowed).as("tenant %s: 4 users of 10 each, within the tenant's 30", tenant).isEqualTo(30);
      }
      ConcurrencyBudget budgetA = ConcurrencyBudget.builder().plans(TestPlans.concurrency(3)).redis(a)
          .keyPrefix(cluster.key("c:")).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
      ConcurrencyBudget budgetB = ConcurrencyBudget.builder().plans(TestPlans.concurrency(3)).redis(b)
          .keyPrefix(cluster.key("c:")).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
      for (TenantId tenant : tenants) {
        Optional<ConcurrencyBudget.Lease> l1 = budgetA.tryAcquire(tenant);
        assertThat(l1).isPresent();
        assertThat(budgetB.tryAcquire(tenant)).isPresent();
        assertThat(budgetA.tryAcquire(tenant)).isPresent();
        assertThat(budgetB.tryAcquire(tenant)).isEmpty();
        l1.get().close();
        assertThat(budgetB.tryAcquire(tenant)).isPresent();
      }
    } finally {
      clientA.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      clientB.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
