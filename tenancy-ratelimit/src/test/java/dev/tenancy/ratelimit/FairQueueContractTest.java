package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import dev.tenancy.test.FairSchedulerContractSuite;

/** The fair-scheduler contract against the deficit-round-robin queue that {@link FairExecutor}'s threads use. */
class FairQueueContractTest extends FairSchedulerContractSuite {

  @Override
  protected Scheduler scheduler() {
    FairQueue<Runnable> queue = new FairQueue<>();
    return new Scheduler() {
      @Override
      public void submit(String tenant, int weight, Runnable task) {
        queue.offer(TenantId.of(tenant), weight, Integer.MAX_VALUE, task);
      }

      @Override
      public boolean runNext() {
        FairQueue.Next<Runnable> next = queue.poll();
        if (next == null) {
          return false;
        }
        next.task().run();
        queue.done(next.flow());
        return true;
      }
    };
  }
}
