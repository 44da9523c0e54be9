package dev.tenancy;

import dev.tenancy.TenantContext.CheckedRunnable;
import dev.tenancy.TenantContext.CheckedSupplier;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An immutable capture of a thread's tenant binding, taken with {@link TenantContext#capture()} and restored
 * around work that runs elsewhere or later.
 *
 * <p>Restoring is exact: after the work, the thread binds again precisely what it bound before — even when the
 * work left a scope open by mistake (that scope is discarded and a warning logged). A snapshot of "no tenant"
 * restores "no tenant": work captured outside any scope never runs as whichever tenant the executing thread
 * happened to have.
 *
 * <p>Thread-safe and cheap to share.
 */
public final class TenantSnapshot {

  static final TenantSnapshot NONE = new TenantSnapshot(null, null);

  private final @Nullable TenantId tenant;
  private final @Nullable String systemReason;

  TenantSnapshot(@Nullable TenantId tenant, @Nullable String systemReason) {
    this.tenant = tenant;
    this.systemReason = systemReason;
  }

  /**
   * Returns the captured tenant.
   *
   * @return the tenant, or empty if none was bound or a system scope was open
   */
  public Optional<TenantId> tenant() {
    return Optional.ofNullable(tenant);
  }

  /**
   * Returns the reason of the captured system scope.
   *
   * @return the reason, or empty if no system scope was open
   */
  public Optional<String> systemScope() {
    return Optional.ofNullable(systemReason);
  }

  /**
   * Binds the captured tenant (or system scope, or absence of a tenant) to the current thread until the
   * returned scope is closed. A restored system scope is not audited again: it continues the audited one.
   *
   * @return the scope; close it on this thread
   */
  public TenantScope restore() {
    return TenantContext.push(tenant, systemReason);
  }

  /**
   * Runs {@code action} with the captured binding, then restores the thread's own binding exactly.
   *
   * @param action the work
   * @param <X> the checked exception the action may throw
   * @throws X whatever the action throws
   */
  public <X extends Exception> void run(CheckedRunnable<X> action) throws X {
    Objects.requireNonNull(action, "action");
    Frame before = TenantContext.currentFrame();
    Frame entered = enter(before);
    try {
      action.run();
    } finally {
      exit(before, entered);
    }
  }

  /**
   * Calls {@code work} with the captured binding, then restores the thread's own binding exactly.
   *
   * @param work the work
   * @param <T> the result type
   * @param <X> the checked exception the work may throw
   * @return the result of the work
   * @throws X whatever the work throws
   */
  public <T, X extends Exception> T call(CheckedSupplier<T, X> work) throws X {
    Objects.requireNonNull(work, "work");
    Frame before = TenantContext.currentFrame();
    Frame entered = enter(before);
    try {
      return work.get();
    } finally {
      exit(before, entered);
    }
  }

  /**
   * Wraps {@code task} to run with the captured binding.
   *
   * @param task the task
   * @return the wrapped task
   */
  public Runnable wrap(Runnable task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        task.run();
      } finally {
        exit(before, entered);
      }
    };
  }

  /**
   * Wraps {@code task} to run with the captured binding.
   *
   * @param task the task
   * @param <T> the result type
   * @return the wrapped task
   */
  public <T> Callable<T> wrap(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        return task.call();
      } finally {
        exit(before, entered);
      }
    };
  }

  /**
   * Wraps {@code supplier} to run with the captured binding.
   *
   * @param supplier the supplier
   * @param <T> the result type
   * @return the wrapped supplier
   */
  public <T> Supplier<T> wrapSupplier(Supplier<T> supplier) {
    Objects.requireNonNull(supplier, "supplier");
    return () -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        return supplier.get();
      } finally {
        exit(before, entered);
      }
    };
  }

  <T, R> Function<T, R> wrapFunction(Function<T, R> function) {
    Objects.requireNonNull(function, "function");
    return value -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        return function.apply(value);
      } finally {
        exit(before, entered);
      }
    };
  }

  <T> Consumer<T> wrapConsumer(Consumer<T> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return value -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        consumer.accept(value);
      } finally {
        exit(before, entered);
      }
    };
  }

  <T, U, R> BiFunction<T, U, R> wrapBiFunction(BiFunction<T, U, R> function) {
    Objects.requireNonNull(function, "function");
    return (first, second) -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        return function.apply(first, second);
      } finally {
        exit(before, entered);
      }
    };
  }

  <T, U> BiConsumer<T, U> wrapBiConsumer(BiConsumer<T, U> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return (first, second) -> {
      Frame before = TenantContext.currentFrame();
      Frame entered = enter(before);
      try {
        consumer.accept(first, second);
      } finally {
        exit(before, entered);
      }
    };
  }

  /** Binds this snapshot unless the thread already binds the same; returns the frame to expect at exit. */
  @Nullable Frame enter(@Nullable Frame before) {
    boolean same = before == null ? (tenant == null && systemReason == null) : before.sameBinding(tenant, systemReason);
    return same ? before : TenantContext.push(tenant, systemReason);
  }

  /**
   * Restores the thread to {@code before} after work entered with {@link #enter}. Scopes the work left open are
   * discarded; a scope the work closed (possibly {@code before} itself, e.g. a callback closing the caller's
   * scope) is never re-installed: the nearest open ancestor is.
   */
  static void exit(@Nullable Frame before, @Nullable Frame entered) {
    Frame now = TenantContext.currentFrame();
    if (now == entered && entered == before) {
      return;
    }
    if (now != entered && now != null && !now.closed && isAbove(now, entered)) {
      TenantContext.logLeak(now, "after a propagated task");
    }
    if (entered != null && entered != before) {
      entered.closed = true;
    }
    Frame restored = before;
    while (restored != null && restored.closed) {
      restored = restored.parent;
    }
    TenantContext.install(restored);
  }

  private static boolean isAbove(Frame frame, @Nullable Frame base) {
    for (Frame f = frame; f != null; f = f.parent) {
      if (f == base) {
        return f != frame;
      }
    }
    return base == null;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TenantSnapshot that
        && Objects.equals(tenant, that.tenant)
        && Objects.equals(systemReason, that.systemReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tenant, systemReason);
  }

  @Override
  public String toString() {
    if (tenant != null) {
      return "TenantSnapshot[" + tenant + "]";
    }
    return systemReason != null ? "TenantSnapshot[system: " + systemReason + "]" : "TenantSnapshot[no tenant]";
  }
}
