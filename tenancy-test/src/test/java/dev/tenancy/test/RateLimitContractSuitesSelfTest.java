package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The rate-limit contract suites catch broken limiters, budgets and schedulers, and pass a correct one. */
class RateLimitContractSuitesSelfTest {

  private static final List<RateLimiterContractSuite.Step> BURST_OF_THREE = List.of(
      new RateLimiterContractSuite.Step(0, 0, 1), new RateLimiterContractSuite.Step(0, 0, 1),
      new RateLimiterContractSuite.Step(0, 0, 1));

  /** A correct token bucket (burst {@code limit}, refill one per interval), per key. */
  static final class Correct extends RateLimiterContractSuite {
    @Override
    protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
      long interval = window.toNanos() / limit;
      Map<String, Long> tat = new HashMap<>();
      return (key, permits) -> {
        long now = clockNanos.getAsLong();
        long next = Math.max(tat.getOrDefault(key, Long.MIN_VALUE), now) + permits * interval;
        if (next - limit * interval > now) {
          return false;
        }
        tat.put(key, next);
        return true;
      };
    }

    @Override
    protected Budget budget(int limit) {
      Map<String, AtomicInteger> held = new java.util.concurrent.ConcurrentHashMap<>();
      return key -> {
        AtomicInteger count = held.computeIfAbsent(key, k -> new AtomicInteger());
        if (count.incrementAndGet() > limit) {
          count.decrementAndGet();
          return Optional.empty();
        }
        return Optional.of(count::decrementAndGet);
      };
    }
  }

  /** Admits everything; its budget grants everything. */
  static final class Generous extends RateLimiterContractSuite {
    @Override
    protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
      return (key, permits) -> true;
    }

    @Override
    protected Budget budget(int limit) {
      return key -> Optional.of(() -> { });
    }
  }

  /** Admits nothing beyond the first request of a key. */
  static final class Stingy extends RateLimiterContractSuite {
    @Override
    protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
      Map<String, Boolean> used = new HashMap<>();
      return (key, permits) -> used.put(key, true) == null;
    }

    @Override
    protected Budget budget(int limit) {
      return key -> Optional.empty();
    }
  }

  @Test
  void aCorrectLimiterAndBudgetPass() {
    Correct suite = new Correct();
    assertThatCode(() -> suite.neverAdmitsMoreThanBurstPlusRefill(2, 10, BURST_OF_THREE)).doesNotThrowAnyException();
    assertThatCode(() -> suite.admitsEverythingWithinTheBudget(2, 10, BURST_OF_THREE)).doesNotThrowAnyException();
    assertThatCode(() -> suite.concurrencyBudgetIsNeverExceeded(2, 3, 10)).doesNotThrowAnyException();
  }

  @Test
  void aLimiterAdmittingMoreThanItsBurstFails() {
    assertThatThrownBy(() -> new Generous().neverAdmitsMoreThanBurstPlusRefill(2, 10, BURST_OF_THREE))
        .isInstanceOf(AssertionError.class).hasMessageContaining("more than the burst 2");
  }

  @Test
  void aLimiterDenyingWithinTheBudgetFails() {
    assertThatThrownBy(() -> new Stingy().admitsEverythingWithinTheBudget(2, 10, BURST_OF_THREE))
        .isInstanceOf(AssertionError.class).hasMessageContaining("although the budget had them");
  }

  @Test
  void budgetsGrantingTooMuchOrTooLittleFail() {
    assertThatThrownBy(() -> new Generous().concurrencyBudgetIsNeverExceeded(2, 3, 10))
        .isInstanceOf(AssertionError.class).hasMessageContaining("granted a slot more");
    assertThatThrownBy(() -> new Stingy().concurrencyBudgetIsNeverExceeded(2, 3, 10))
        .isInstanceOf(AssertionError.class).hasMessageContaining("a free slot was refused");
  }

  /** First in, first out across tenants: the unfair pool the suite must reject. */
  static final class Fifo extends FairSchedulerContractSuite {
    @Override
    protected Scheduler scheduler() {
      ArrayDeque<Runnable> queue = new ArrayDeque<>();
      return new Scheduler() {
        @Override
        public void submit(String tenant, int weight, Runnable task) {
          queue.add(task);
        }

        @Override
        public boolean runNext() {
          Runnable task = queue.poll();
          if (task == null) {
            return false;
          }
          task.run();
          return true;
        }
      };
    }
  }

  @Test
  void aFifoSchedulerFailsTheFairnessBound() {
    List<FairSchedulerContractSuite.Action> floodThenSmall = List.of(
        new FairSchedulerContractSuite.Action(0, 300), new FairSchedulerContractSuite.Action(1, 10),
        new FairSchedulerContractSuite.Action(0, -40));
    assertThatThrownBy(() -> new Fifo().servesEveryTenantWithQueuedWorkWithinABound(List.of(1, 1, 1, 1),
        floodThenSmall)).isInstanceOf(AssertionError.class).hasMessageContaining("tenant t1");
  }
}
