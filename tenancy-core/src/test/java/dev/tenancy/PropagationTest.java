package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class PropagationTest {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");
  private static final ExecutorService RAW = Executors.newSingleThreadExecutor();
  private static final ExecutorService POOL = TenantExecutors.wrap(RAW);

  @AfterAll
  static void shutdown() {
    POOL.shutdownNow();
  }

  private static Optional<TenantId> seenOnPool() throws Exception {
    return RAW.submit(TenantContext::current).get();
  }

  @Test
  void wrappedExecutorRunsTasksWithTheSubmittersTenantAndRestoresTheThread() throws Exception {
    Future<String> mdc;
    Future<TenantId> tenant;
    try (TenantScope scope = TenantContext.open(ACME)) {
      tenant = POOL.submit(TenantContext::require);
      mdc = POOL.submit(() -> MDC.get(TenantContext.MDC_KEY));
    }
    assertThat(tenant.get()).isEqualTo(ACME);
    assertThat(mdc.get()).isEqualTo("acme");
    assertThat(seenOnPool()).isEmpty();
    assertThat(RAW.submit(() -> MDC.get(TenantContext.MDC_KEY)).get()).isNull();
  }

  @Test
  void taskSubmittedWithoutTenantRunsWithoutTenantEvenOnABoundThread() throws Exception {
    Runnable wrapped = TenantContext.wrap(() -> {
      assertThat(TenantContext.current()).isEmpty();
    });
    try (TenantScope scope = TenantContext.open(ACME)) {
      wrapped.run(); // e.g. a caller-runs rejection policy executing on a bound thread
      assertThat(TenantContext.current()).contains(ACME);
    }
  }

  @Test
  void leakedScopeInATaskIsDiscardedBeforeTheNextTask() throws Exception {
    try (TenantScope scope = TenantContext.open(ACME)) {
      POOL.submit(() -> {
        TenantContext.open(GLOBEX); // never closed: a bug in the task
      }).get();
    }
    assertThat(seenOnPool()).isEmpty();
  }

  @Test
  void invokeAllPropagates() throws Exception {
    List<Callable<TenantId>> tasks = List.of(TenantContext::require, TenantContext::require);
    List<Future<TenantId>> results;
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      results = POOL.invokeAll(tasks);
    }
    for (Future<TenantId> result : results) {
      assertThat(result.get()).isEqualTo(GLOBEX);
    }
    try (TenantScope scope = TenantContext.open(ACME)) {
      assertThat(POOL.invokeAny(tasks)).isEqualTo(ACME);
    }
  }

  @Test
  void scheduledAndPeriodicTasksKeepTheSchedulersTenant() throws Exception {
    ScheduledExecutorService scheduler = TenantExecutors.wrap(Executors.newSingleThreadScheduledExecutor());
    try {
      ScheduledFuture<TenantId> once;
      CountDownLatch runs = new CountDownLatch(3);
      AtomicReference<Optional<TenantId>> wrong = new AtomicReference<>();
      ScheduledFuture<?> periodic;
      try (TenantScope scope = TenantContext.open(ACME)) {
        once = scheduler.schedule(TenantContext::require, 1, TimeUnit.MILLISECONDS);
        periodic = scheduler.scheduleAtFixedRate(() -> {
          if (!TenantContext.current().equals(Optional.of(ACME))) {
            wrong.set(TenantContext.current());
          }
          runs.countDown();
        }, 0, 1, TimeUnit.MILLISECONDS);
      }
      assertThat(once.get(5, TimeUnit.SECONDS)).isEqualTo(ACME);
      assertThat(runs.await(5, TimeUnit.SECONDS)).isTrue();
      periodic.cancel(false);
      assertThat(wrong.get()).isNull();
      assertThat(scheduler.schedule(TenantContext::current, 0, TimeUnit.MILLISECONDS).get()).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void snapshotsWrapCallablesAndSuppliers() throws Exception {
    Callable<Optional<TenantId>> callable;
    Supplier<Optional<TenantId>> supplier;
    try (TenantScope scope = TenantContext.open(ACME)) {
      callable = TenantContext.wrap(TenantContext::current);
      supplier = TenantContext.wrapSupplier(TenantContext::current);
    }
    assertThat(callable.call()).contains(ACME);
    assertThat(supplier.get()).contains(ACME);
    assertThat(TenantContext.current()).isEmpty();
  }

  @Test
  void systemScopePropagatesAsSystemScope() throws Exception {
    Future<Optional<String>> reason;
    try (TenantScope scope = TenantContext.openSystem("reindex all tenants")) {
      reason = POOL.submit(TenantContext::systemScope);
    }
    assertThat(reason.get()).contains("reindex all tenants");
  }

  @Test
  void completableFutureStagesKeepTheTenantOfWhoAttachedThem() throws Exception {
    CompletableFuture<String> gate = new CompletableFuture<>();
    CompletableFuture<String> chain;
    CompletableFuture<TenantId> async;
    try (TenantScope scope = TenantContext.open(ACME)) {
      async = TenantFutures.supplyAsync(TenantContext::require);
      chain = TenantFutures.propagating(gate)
          .thenApply(value -> value + ":" + TenantContext.require())
          .thenApplyAsync(value -> value + ":" + TenantContext.require())
          .thenComposeAsync(value -> CompletableFuture.completedFuture(value + ":" + TenantContext.require()), RAW)
          .whenComplete((value, failure) -> assertThat(TenantContext.current()).contains(ACME));
    }
    // Completed from another tenant's thread: stages still run as acme.
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      gate.complete("x");
    }
    assertThat(chain.get(5, TimeUnit.SECONDS)).isEqualTo("x:acme:acme:acme");
    assertThat(async.get(5, TimeUnit.SECONDS)).isEqualTo(ACME);
    CompletableFuture<Void> run;
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      run = TenantFutures.runAsync(() -> assertThat(TenantContext.require()).isEqualTo(GLOBEX), RAW)
          .thenRun(() -> assertThat(TenantContext.require()).isEqualTo(GLOBEX));
    }
    run.get(5, TimeUnit.SECONDS);
  }

  @Test
  void exceptionalStagesKeepTheTenant() throws Exception {
    CompletableFuture<TenantId> recovered;
    try (TenantScope scope = TenantContext.open(ACME)) {
      recovered = TenantFutures.<TenantId>supplyAsync(() -> {
        throw new IllegalStateException("boom");
      }).exceptionallyAsync(failure -> TenantContext.require(), RAW);
    }
    assertThat(recovered.get(5, TimeUnit.SECONDS)).isEqualTo(ACME);
  }

  @Test
  void virtualThreadsPropagate() throws Exception {
    // Virtual threads exist from JDK 21; the build targets 17, so reach them reflectively. On JDK 17 the same
    // code runs on a thread-per-task executor of platform threads.
    ExecutorService raw;
    try {
      Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      raw = (ExecutorService) factory.invoke(null);
    } catch (NoSuchMethodException e) {
      assertThat(Runtime.version().feature()).isLessThan(21);
      raw = Executors.newCachedThreadPool();
    }
    ExecutorService executor = TenantExecutors.wrap(raw);
    try {
      Future<TenantId> seen;
      try (TenantScope scope = TenantContext.open(ACME)) {
        seen = executor.submit(TenantContext::require);
      }
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(ACME);
      if (Runtime.version().feature() >= 21) {
        Future<Boolean> virtual = executor.submit(() -> (Boolean) Thread.class.getMethod("isVirtual")
            .invoke(Thread.currentThread()));
        assertThat(virtual.get()).isTrue();
      }
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void micrometerContextSnapshotCarriesTheTenant() throws Exception {
    assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
        .anyMatch(accessor -> accessor.key().equals(TenantThreadLocalAccessor.KEY));
    ContextSnapshotFactory factory = ContextSnapshotFactory.builder().clearMissing(true).build();
    ContextSnapshot snapshot;
    try (TenantScope scope = TenantContext.open(ACME)) {
      snapshot = factory.captureAll();
    }
    Future<Optional<TenantId>> seen = RAW.submit(snapshot.wrap(TenantContext::current));
    assertThat(seen.get()).contains(ACME);
    assertThat(seenOnPool()).isEmpty();
    // clearMissing: a snapshot taken without tenant clears a bound thread while it runs.
    ContextSnapshot empty = factory.captureAll();
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      try (ContextSnapshot.Scope restored = empty.setThreadLocals()) {
        assertThat(TenantContext.current()).isEmpty();
      }
      assertThat(TenantContext.current()).contains(GLOBEX);
    }
  }

  /** Regression: a task restored by Micrometer that leaked a scope left its tenant on the worker thread. */
  @Test
  void micrometerRestoreDiscardsAScopeTheTaskLeaked() throws Exception {
    ContextSnapshot snapshot;
    try (TenantScope scope = TenantContext.open(ACME)) {
      snapshot = ContextSnapshotFactory.builder().build().captureAll();
    }
    RAW.submit(snapshot.wrap(() -> {
      TenantContext.open(GLOBEX); // never closed
    })).get();
    assertThat(seenOnPool()).isEmpty();
    assertThat(RAW.submit(() -> MDC.get(TenantContext.MDC_KEY)).get()).isNull();
  }

  /** Regression: a callback that closed the caller's scope got that closed scope re-installed afterwards. */
  @Test
  void callbackClosingTheCallersScopeDoesNotResurrectIt() {
    TenantScope scope = TenantContext.open(ACME);
    CompletableFuture<String> unused = TenantFutures.propagating(CompletableFuture.completedFuture("done"))
        .whenComplete((value, failure) -> scope.close());
    assertThat(TenantContext.current()).isEmpty();
    assertThat(MDC.get(TenantContext.MDC_KEY)).isNull();
  }
}
