package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FairExecutorTest {

  private static final TenantId A = TenantId.of("a");
  private static final TenantId B = TenantId.of("b");

  @Test
  void tenTasksSubmittedAfterTenThousandOfAnotherTenantAreNotDelayedByThem() throws Exception {
    RateLimitPlans plans = TestPlans.uniform(1, Duration.ofSeconds(1));
    List<TenantId> starts = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch bDone = new CountDownLatch(10);
    CountDownLatch gate = new CountDownLatch(1);
    try (FairExecutor executor = FairExecutor.builder().plans(plans).threads(2).build()) {
      // Both threads wait at a gate while the backlogs are queued, so that the order of the queues decides and not
      // how the test thread happens to be scheduled on a loaded machine.
      for (int i = 0; i < 2; i++) {
        executor.execute(TenantId.of("gate"), () -> await(gate));
      }
      for (int i = 0; i < 10_000; i++) {
        executor.execute(A, () -> {
          starts.add(A);
          busy(20_000);
        });
      }
      for (int i = 0; i < 10; i++) {
        executor.execute(B, () -> {
          starts.add(B);
          busy(20_000);
          bDone.countDown();
        });
      }
      gate.countDown();
      assertThat(bDone.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(executor.queued(A)).isGreaterThan(5_000); // B finished long before A's backlog
    }
    int lastB = starts.lastIndexOf(B);
    long aBefore = starts.subList(0, lastB).stream().filter(A::equals).count();
    // Equal weights: B's ten tasks alternate with A's (give or take one per thread, which may record its start a
    // little late); a FIFO pool would have run the 10,000 first.
    assertThat(aBefore).isLessThanOrEqualTo(10 + 2);
  }

  @Test
  void weightsByTierShareTheThreadsProportionally() throws Exception {
    TenantDirectory directory = tenant -> Optional.of(TenantInfo.active(tenant, tenant.equals(A) ? "pro" : "free"));
    RateLimitPlans plans = RateLimitPlans.of(directory, RateLimitPlan.of("free", 1, Duration.ofSeconds(1)))
        .tier("pro", RateLimitPlan.of("pro", 1, Duration.ofSeconds(1)).withWeight(3));
    List<TenantId> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch gate = new CountDownLatch(1);
    try (FairExecutor executor = FairExecutor.builder().plans(plans).threads(1).build()) {
      executor.execute(B, () -> await(gate)); // holds the only thread until both backlogs are queued
      for (int i = 0; i < 300; i++) {
        executor.execute(A, () -> order.add(A));
        executor.execute(B, () -> order.add(B));
      }
      gate.countDown();
    }
    List<TenantId> first = order.subList(0, 200);
    long pro = first.stream().filter(A::equals).count();
    assertThat(pro).isEqualTo(150); // 3 of every 4 while both have work
  }

  @Test
  void perTenantCapLimitsRunningTasksAndLeavesThreadsToOthers() throws Exception {
    RateLimitPlans plans = RateLimitPlans.of(TestPlans.EVERYONE,
        RateLimitPlan.of("std", 1, Duration.ofSeconds(1)).withConcurrency(2));
    Map<TenantId, AtomicInteger> running = new ConcurrentHashMap<>();
    Map<TenantId, AtomicInteger> most = new ConcurrentHashMap<>();
    try (FairExecutor executor = FairExecutor.builder().plans(plans).threads(4).build()) {
      for (int i = 0; i < 40; i++) {
        for (TenantId t : List.of(A, B)) {
          executor.execute(t, () -> {
            int now = running.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet();
            most.computeIfAbsent(t, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            sleep(3);
            running.get(t).decrementAndGet();
          });
        }
      }
    }
    assertThat(most.get(A).get()).isBetween(1, 2);
    assertThat(most.get(B).get()).isBetween(1, 2);
  }

  @Test
  void tasksRunInTheirTenantsContextAndLeaveNoneBehind() throws Exception {
    Map<String, Optional<TenantId>> seen = new ConcurrentHashMap<>();
    try (FairExecutor executor = FairExecutor.builder().plans(TestPlans.uniform(1, Duration.ofSeconds(1)))
        .threads(1).build()) {
      executor.execute(A, () -> seen.put("a", TenantContext.current()));
      TenantContext.run(B, () -> executor.execute(() -> seen.put("b", TenantContext.current())));
      executor.submit(A, () -> {
        throw new IllegalStateException("boom");
      });
      executor.execute(B, () -> seen.put("b2", TenantContext.current()));
      assertThat(executor.submit(A, () -> TenantContext.require().value()).get()).isEqualTo("a");
    }
    assertThat(seen).containsEntry("a", Optional.of(A)).containsEntry("b", Optional.of(B))
        .containsEntry("b2", Optional.of(B));
  }

  @Test
  void closedExecutorAndFullTenantQueueReject() {
    FairExecutor executor = FairExecutor.builder().plans(TestPlans.uniform(1, Duration.ofSeconds(1)))
        .threads(1).maxQueuedPerTenant(2).build();
    CountDownLatch gate = new CountDownLatch(1);
    executor.execute(A, () -> await(gate));
    sleep(50);
    executor.execute(A, () -> { });
    executor.execute(A, () -> { });
    assertThatThrownBy(() -> executor.execute(A, () -> { }))
        .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("maxQueuedPerTenant");
    executor.execute(B, () -> { });
    gate.countDown();
    executor.close();
    assertThatThrownBy(() -> executor.execute(A, () -> { })).isInstanceOf(RejectedExecutionException.class);
  }

  private static void busy(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
