package dev.tenancy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Executors that carry the submitter's tenant to the tasks they run.
 *
 * <p>Each task captures the binding of the thread that submits it (capture-on-submit) and runs with it; when
 * the task ends, the worker thread is restored to exactly what it bound before (restore-after). Works with any
 * executor, including virtual-thread-per-task executors on JDK 21+.
 *
 * <pre>{@code
 * ExecutorService pool = TenantExecutors.wrap(Executors.newFixedThreadPool(4));
 * try (TenantScope scope = TenantContext.open(acme)) {
 *   pool.submit(() -> reports.render());   // runs as acme
 * }
 * }</pre>
 *
 * <p>The wrappers are thread-safe when the wrapped executors are.
 */
public final class TenantExecutors {

  private TenantExecutors() {}

  /**
   * Wraps an executor so that tasks run with their submitter's tenant.
   *
   * @param executor the executor
   * @return the wrapping executor
   */
  public static Executor wrap(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof PropagatingExecutor) {
      return executor;
    }
    return new PropagatingExecutor(executor);
  }

  /**
   * Wraps an executor service so that tasks run with their submitter's tenant. Shutting down the wrapper shuts
   * down the wrapped service.
   *
   * @param executor the executor service
   * @return the wrapping executor service
   */
  public static ExecutorService wrap(ExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof PropagatingExecutorService) {
      return executor;
    }
    return new PropagatingExecutorService(executor);
  }

  /**
   * Wraps a scheduled executor service so that tasks, including every run of a periodic task, run with the
   * tenant of the thread that scheduled them.
   *
   * @param executor the scheduled executor service
   * @return the wrapping scheduled executor service
   */
  public static ScheduledExecutorService wrap(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof PropagatingScheduledExecutorService) {
      return executor;
    }
    return new PropagatingScheduledExecutorService(executor);
  }

  private static <T> List<Callable<T>> wrapAll(Collection<? extends Callable<T>> tasks) {
    TenantSnapshot snapshot = TenantContext.capture();
    List<Callable<T>> wrapped = new ArrayList<>(tasks.size());
    for (Callable<T> task : tasks) {
      wrapped.add(snapshot.wrap(task));
    }
    return wrapped;
  }

  private static final class PropagatingExecutor implements Executor {
    private final Executor delegate;

    PropagatingExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable command) {
      delegate.execute(TenantContext.wrap(command));
    }

    @Override
    public String toString() {
      return "TenantExecutors.wrap(" + delegate + ")";
    }
  }

  private static class PropagatingExecutorService implements ExecutorService {
    final ExecutorService delegate;

    PropagatingExecutorService(ExecutorService delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable command) {
      delegate.execute(TenantContext.wrap(command));
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
      return delegate.submit(TenantContext.wrap(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
      return delegate.submit(TenantContext.wrap(task), result);
    }

    @Override
    public Future<?> submit(Runnable task) {
      return delegate.submit(TenantContext.wrap(task));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
      return delegate.invokeAll(wrapAll(tasks));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException {
      return delegate.invokeAll(wrapAll(tasks), timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
        throws InterruptedException, ExecutionException {
      return delegate.invokeAny(wrapAll(tasks));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      return delegate.invokeAny(wrapAll(tasks), timeout, unit);
    }

    @Override
    public void shutdown() {
      delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
      return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public String toString() {
      return "TenantExecutors.wrap(" + delegate + ")";
    }
  }

  private static final class PropagatingScheduledExecutorService extends PropagatingExecutorService
      implements ScheduledExecutorService {
    private final ScheduledExecutorService scheduler;

    PropagatingScheduledExecutorService(ScheduledExecutorService delegate) {
      super(delegate);
      this.scheduler = delegate;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return scheduler.schedule(TenantContext.wrap(command), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return scheduler.schedule(TenantContext.wrap(callable), delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      return scheduler.scheduleAtFixedRate(TenantContext.wrap(command), initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
        TimeUnit unit) {
      return scheduler.scheduleWithFixedDelay(TenantContext.wrap(command), initialDelay, delay, unit);
    }
  }
}
