package dev.tenancy.test;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The fair-scheduler contract: every tenant with queued work is served within a bound, however much work the
 * others queue. Between two tasks of a tenant that has work queued (or between its first submission and its first
 * task), the other tenants together run at most the sum of their weights — one turn each.
 *
 * <p>Extend it and adapt your scheduler so that {@link Scheduler#runNext()} starts exactly one task on the calling
 * thread, e.g. over the queue that a fair executor's threads take from:
 * <pre>{@code
 * class FairQueueContractTest extends FairSchedulerContractSuite {
 *   protected Scheduler scheduler() { ... }
 * }
 * }</pre>
 */
public abstract class FairSchedulerContractSuite {

  /** A fair scheduler driven one task at a time. */
  public interface Scheduler {
    /**
     * Queues a task of a tenant.
     *
     * @param tenant the tenant ({@code t0} to {@code t3})
     * @param weight the tenant's weight, 1 to 4; the same for every task of a tenant within a program
     * @param task the task
     */
    void submit(String tenant, int weight, Runnable task);

    /**
     * Runs the next task on the calling thread.
     *
     * @return false when nothing was queued
     */
    boolean runNext();
  }

  /**
   * Creates a scheduler with nothing queued.
   *
   * @return the scheduler
   */
  protected abstract Scheduler scheduler();

  /** A burst of submissions by one tenant ({@code count > 0}) or a number of tasks run ({@code count < 0}). */
  public record Action(int tenant, int count) {}

  /** @return programs mixing large bursts of one tenant with small ones of others and runs */
  @Provide
  Arbitrary<List<Action>> fairPrograms() {
    Arbitrary<Action> submit = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(1, 5)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(50, 300)))).as(Action::new);
    Arbitrary<Action> run = Arbitraries.integers().between(1, 40).map(n -> new Action(0, -n));
    return Arbitraries.oneOf(submit, run).list().ofMinSize(1).ofMaxSize(30);
  }

  /** @return weights of the four tenants */
  @Provide
  Arbitrary<List<Integer>> weights() {
    return Arbitraries.integers().between(1, 4).list().ofSize(4);
  }

  /**
   * Every tenant with queued work is served before the others run more than one turn each, and every task runs
   * exactly once.
   *
   * @param weights the tenants' weights
   * @param program the submissions and runs
   */
  @Property(tries = 200)
  void servesEveryTenantWithQueuedWorkWithinABound(@ForAll("weights") List<Integer> weights,
      @ForAll("fairPrograms") List<Action> program) {
    Scheduler scheduler = scheduler();
    int[] queued = new int[4];
    int[] othersSince = new int[4];
    int[] ran = new int[4];
    int[] submitted = new int[4];
    int total = weights.stream().mapToInt(Integer::intValue).sum();
    List<Integer> order = new ArrayList<>();
    for (Action action : program) {
      if (action.count() > 0) {
        int t = action.tenant();
        if (queued[t] == 0) {
          othersSince[t] = 0;
        }
        for (int i = 0; i < action.count(); i++) {
          scheduler.submit("t" + t, weights.get(t), () -> order.add(t));
        }
        queued[t] += action.count();
        submitted[t] += action.count();
      } else {
        for (int i = 0; i < -action.count(); i++) {
          if (!runOne(scheduler, order, queued, othersSince, ran, weights, total)) {
            break;
          }
        }
      }
    }
    while (runOne(scheduler, order, queued, othersSince, ran, weights, total)) {
      // drain
    }
    for (int t = 0; t < 4; t++) {
      if (ran[t] != submitted[t]) {
        throw new AssertionError("tenant t" + t + " submitted " + submitted[t] + " tasks but " + ran[t] + " ran");
      }
    }
  }

  private static boolean runOne(Scheduler scheduler, List<Integer> order, int[] queued, int[] othersSince,
      int[] ran, List<Integer> weights, int total) {
    int before = order.size();
    boolean any = scheduler.runNext();
    int expected = 0;
    for (int q : queued) {
      expected += q;
    }
    if (!any) {
      if (expected > 0) {
        throw new AssertionError("the scheduler ran nothing with " + expected + " tasks queued");
      }
      return false;
    }
    if (order.size() != before + 1) {
      throw new AssertionError("runNext() ran " + (order.size() - before) + " tasks instead of one");
    }
    int t = order.get(order.size() - 1);
    queued[t]--;
    ran[t]++;
    othersSince[t] = 0;
    for (int x = 0; x < 4; x++) {
      if (x != t && queued[x] > 0) {
        othersSince[x]++;
        int bound = total - weights.get(x);
        if (othersSince[x] > bound) {
          throw new AssertionError("tenant t" + x + " with " + queued[x] + " tasks queued waited while others ran "
              + othersSince[x] + " tasks, more than one turn each (" + bound + ")");
        }
      }
    }
    return true;
  }
}
