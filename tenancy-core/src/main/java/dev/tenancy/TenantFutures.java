package dev.tenancy;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@link CompletableFuture}s whose stages keep the tenant.
 *
 * <p>A future from this class runs its own task with the tenant of the thread that created it, and every
 * dependent stage ({@code thenApply}, {@code thenComposeAsync}, {@code whenComplete}, …) with the tenant of the
 * thread that attached that stage — whichever thread completes the future and whichever executor runs the
 * stage. Stages derived from it are such futures too.
 *
 * <pre>{@code
 * try (TenantScope scope = TenantContext.open(acme)) {
 *   TenantFutures.supplyAsync(() -> invoices.total())      // runs as acme on the common pool
 *       .thenApplyAsync(total -> format(total), ioPool);   // runs as acme on ioPool
 * }
 * }</pre>
 *
 * <p>Plain {@code CompletableFuture.supplyAsync} does not propagate; use these factories or
 * {@link #propagating(CompletionStage)}.
 */
public final class TenantFutures {

  private TenantFutures() {}

  /**
   * Runs {@code supplier} on the common pool with the caller's tenant.
   *
   * @param supplier the computation
   * @param <T> the result type
   * @return a propagating future of the result
   */
  public static <T> CompletableFuture<T> supplyAsync(Supplier<T> supplier) {
    return new PropagatingFuture<T>().completeAsync(supplier);
  }

  /**
   * Runs {@code supplier} on {@code executor} with the caller's tenant.
   *
   * @param supplier the computation
   * @param executor the executor
   * @param <T> the result type
   * @return a propagating future of the result
   */
  public static <T> CompletableFuture<T> supplyAsync(Supplier<T> supplier, Executor executor) {
    return new PropagatingFuture<T>().completeAsync(supplier, executor);
  }

  /**
   * Runs {@code action} on the common pool with the caller's tenant.
   *
   * @param action the work
   * @return a propagating future completed when the work is done
   */
  public static CompletableFuture<Void> runAsync(Runnable action) {
    Objects.requireNonNull(action, "action");
    return new PropagatingFuture<Void>().completeAsync(() -> {
      action.run();
      return null;
    });
  }

  /**
   * Runs {@code action} on {@code executor} with the caller's tenant.
   *
   * @param action the work
   * @param executor the executor
   * @return a propagating future completed when the work is done
   */
  public static CompletableFuture<Void> runAsync(Runnable action, Executor executor) {
    Objects.requireNonNull(action, "action");
    return new PropagatingFuture<Void>().completeAsync(() -> {
      action.run();
      return null;
    }, executor);
  }

  /**
   * Returns a propagating future completed like {@code stage}, so that stages attached to it keep the tenant of
   * the thread that attaches them.
   *
   * @param stage any completion stage, for example from an HTTP client
   * @param <T> the result type
   * @return a propagating future
   */
  public static <T> CompletableFuture<T> propagating(CompletionStage<T> stage) {
    Objects.requireNonNull(stage, "stage");
    if (stage instanceof PropagatingFuture<T> future) {
      return future;
    }
    PropagatingFuture<T> future = new PropagatingFuture<>();
    stage.whenComplete((value, failure) -> {
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(value);
      }
    });
    return future;
  }
}
