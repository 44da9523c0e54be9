package dev.tenancy.ratelimit;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs background tasks of many tenants on a fixed set of threads, fairly: deficit round robin across tenants
 * weighted by their plan's {@link RateLimitPlan#weight()}, at most {@link RateLimitPlan#concurrency()} tasks of one
 * tenant running at once, and each task run inside its tenant's {@link TenantContext}.
 *
 * <p>A tenant that queues 10,000 tasks does not delay another tenant's task by more than one turn of each tenant
 * with queued work (a turn is {@code weight} tasks), instead of behind the 10,000 as in a FIFO pool.
 * <pre>{@code
 * try (FairExecutor executor = FairExecutor.builder().plans(plans).threads(4).build()) {
 *   executor.execute(tenant, () -> reindex(TenantContext.require()));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Tasks that throw are logged and do not stop the executor.
 */
public final class FairExecutor implements Executor, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FairExecutor.class);

  private final RateLimitPlans plans;
  private final int maxQueuedPerTenant;
  private final Metrics metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private final FairQueue<Task> queue = new FairQueue<>();
  private final List<Thread> workers = new ArrayList<>();
  private boolean shutdown;

  private FairExecutor(Builder b) {
    this.plans = Objects.requireNonNull(b.plans);
    this.maxQueuedPerTenant = b.maxQueuedPerTenant;
    this.metrics = new Metrics(b.openTelemetry != null ? b.openTelemetry : OpenTelemetry.noop(), b.tenantAttribute);
    for (int i = 0; i < b.threads; i++) {
      Thread worker = new Thread(this::work, b.threadName + "-" + i);
      worker.setDaemon(true);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
  }

  /**
   * Starts configuring an executor.
   *
   * @return a single-use builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues a task of the tenant in the current {@link TenantContext}.
   *
   * @param task the task
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   * @throws RejectedExecutionException when the executor is closed or the tenant has too many queued tasks
   */
  @Override
  public void execute(Runnable task) {
    execute(TenantContext.require(), task);
  }

  /**
   * Queues a task of a tenant; it runs with the tenant in context.
   *
   * @param tenant the tenant
   * @param task the task
   * @throws RejectedExecutionException when the executor is closed or the tenant has too many queued tasks
   * @throws dev.tenancy.UnknownTenantException when the directory does not know the tenant
   */
  public void execute(TenantId tenant, Runnable task) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(task, "task");
    RateLimitPlan plan = plans.planOf(tenant);
    Task queued = new Task(tenant, task, System.nanoTime(), metrics.base(plan.name(), tenant));
    lock.lock();
    try {
      if (shutdown) {
        throw new RejectedExecutionException("the fair executor is closed");
      }
      if (queue.queued(tenant) >= maxQueuedPerTenant) {
        throw new RejectedExecutionException("tenant '" + tenant.value() + "' already has " + maxQueuedPerTenant
            + " queued tasks; slow the producer down or raise maxQueuedPerTenant");
      }
      queue.offer(tenant, plan.weight(), plan.concurrency(), queued);
      available.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a task of a tenant and returns its result.
   *
   * @param <T> the result type
   * @param tenant the tenant
   * @param task the task
   * @return a future completed with the result or the exception of the task
   * @throws RejectedExecutionException when the executor is closed or the tenant has too many queued tasks
   */
  public <T> CompletableFuture<T> submit(TenantId tenant, Callable<T> task) {
    Objects.requireNonNull(task, "task");
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(tenant, () -> {
      try {
        result.complete(task.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /**
   * Returns how many tasks a tenant has queued and not started.
   *
   * @param tenant the tenant
   * @return the count
   */
  public int queued(TenantId tenant) {
    lock.lock();
    try {
      return queue.queued(tenant);
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting tasks, runs those already queued, and waits for the threads to finish. */
  @Override
  public void close() {
    lock.lock();
    try {
      shutdown = true;
      available.signalAll();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    for (Thread worker : workers) {
      if (worker == Thread.currentThread()) {
        continue;
      }
      for (;;) {
        try {
          worker.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void work() {
    for (;;) {
      FairQueue.Next<Task> next;
      lock.lock();
      try {
        for (;;) {
          next = queue.poll();
          if (next != null) {
            break;
          }
          if (shutdown && queue.size() == 0) {
            return;
          }
          available.awaitUninterruptibly();
        }
      } finally {
        lock.unlock();
      }
      run(next.task());
      lock.lock();
      try {
        queue.done(next.flow());
        if (queue.size() > 0 || shutdown) {
          available.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  private void run(Task task) {
    metrics.queueWait.record((System.nanoTime() - task.enqueuedAt) / 1e9, task.attributes);
    metrics.inFlight.add(1, task.attributes);
    try {
      TenantContext.run(task.tenant, task.runnable::run);
    } catch (RuntimeException | Error e) {
      LOG.warn("a task of tenant '{}' failed", task.tenant.value(), e);
    } finally {
      metrics.inFlight.add(-1, task.attributes);
    }
  }

  private record Task(TenantId tenant, Runnable runnable, long enqueuedAt, Attributes attributes) {}

  /** Configures a {@link FairExecutor}. Each setter may be called once; {@link #build()} once. */
  public static final class Builder {
    @Nullable RateLimitPlans plans;
    int threads = -1;
    int maxQueuedPerTenant = -1;
    String threadName = "tenancy-fair";
    @Nullable OpenTelemetry openTelemetry;
    boolean tenantAttribute;
    private boolean built;

    Builder() {}

    /**
     * Sets the plans (required): weights and per-tenant caps come from them.
     *
     * @param plans the plans
     * @return this builder
     */
    public Builder plans(RateLimitPlans plans) {
      TenantRateLimiter.Builder.once(this.plans, "plans");
      this.plans = Objects.requireNonNull(plans, "plans");
      return this;
    }

    /**
     * Sets the number of threads (default: available processors).
     *
     * @param threads 1 to 1024
     * @return this builder
     */
    public Builder threads(int threads) {
      if (this.threads >= 0) {
        throw new IllegalStateException("threads already set");
      }
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("threads must be 1 to 1024 but was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Bounds the tasks one tenant may have queued (default 100,000); beyond it {@code execute} rejects.
     *
     * @param max the bound, at least 1
     * @return this builder
     */
    public Builder maxQueuedPerTenant(int max) {
      if (this.maxQueuedPerTenant >= 0) {
        throw new IllegalStateException("maxQueuedPerTenant already set");
      }
      if (max < 1) {
        throw new IllegalArgumentException("maxQueuedPerTenant must be at least 1 but was " + max);
      }
      this.maxQueuedPerTenant = max;
      return this;
    }

    /**
     * Reports {@code tenancy.ratelimit.queue_wait} and {@code tenancy.ratelimit.in_flight} per plan.
     *
     * @param openTelemetry the API instance
     * @param tenantAttribute whether to add the tenant id as an attribute
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry, boolean tenantAttribute) {
      TenantRateLimiter.Builder.once(this.openTelemetry, "openTelemetry");
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      this.tenantAttribute = tenantAttribute;
      return this;
    }

    /**
     * Builds and starts the executor.
     *
     * @return the executor
     * @throws IllegalStateException when plans are missing or the builder was used before
     */
    public FairExecutor build() {
      TenantRateLimiter.Builder.notBuiltYet(built, "an executor");
      built = true;
      TenantRateLimiter.Builder.plansSet(plans);
      if (threads < 0) {
        threads = Runtime.getRuntime().availableProcessors();
      }
      if (maxQueuedPerTenant < 0) {
        maxQueuedPerTenant = 100_000;
      }
      return new FairExecutor(this);
    }
  }
}
