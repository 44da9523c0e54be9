package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import org.slf4j.MDC;

/** The invariants of the tenant context, checked over random programs. */
class TenantContextPropertyTest {

  private static final ExecutorService SINGLE_RAW = Executors.newSingleThreadExecutor();
  private static final ExecutorService SINGLE = TenantExecutors.wrap(SINGLE_RAW);
  private static final ExecutorService MANY = TenantExecutors.wrap(Executors.newFixedThreadPool(16));

  @AfterContainer
  static void shutdown() {
    SINGLE.shutdownNow();
    MANY.shutdownNow();
  }

  /** A task submitted by {@code submitter} (empty: outside any scope), which may leak a scope it opens. */
  record Task(Optional<TenantId> submitter, boolean leaksAScope) {}

  @Provide
  Arbitrary<List<Task>> tasks() {
    Arbitrary<Optional<TenantId>> submitter = Ids.tenants(5).optional(0.8);
    Arbitrary<Task> task = Combinators.combine(submitter, Arbitraries.of(true, false))
        .as(Task::new);
    return task.list().ofMinSize(1).ofMaxSize(20);
  }

  @Property(tries = 1000)
  void tenantNeverLeaksToALaterTaskOnAReusedPoolThread(@ForAll("tasks") List<Task> tasks) throws Exception {
    List<Future<Optional<TenantId>>> seen = new ArrayList<>();
    for (Task task : tasks) {
      Runnable leak = () -> {
        if (task.leaksAScope()) {
          TenantContext.open(TenantId.of("leaked"));
        }
      };
      if (task.submitter().isPresent()) {
        try (TenantScope scope = TenantContext.open(task.submitter().get())) {
          seen.add(SINGLE.submit(() -> {
            Optional<TenantId> current = TenantContext.current();
            leak.run();
            return current;
          }));
        }
      } else {
        seen.add(SINGLE.submit(() -> {
          Optional<TenantId> current = TenantContext.current();
          leak.run();
          return current;
        }));
      }
    }
    for (int i = 0; i < tasks.size(); i++) {
      assertThat(seen.get(i).get()).isEqualTo(tasks.get(i).submitter());
    }
    // The pool thread itself is clean once the tasks are done, MDC included.
    assertThat(SINGLE_RAW.submit(TenantContext::current).get()).isEmpty();
    assertThat(SINGLE_RAW.submit(() -> MDC.get(TenantContext.MDC_KEY)).get()).isNull();
  }

  /** One step of a nesting program: open a scope for a tenant (or system scope), or close the innermost. */
  record Step(boolean open, Optional<TenantId> tenant) {}

  @Provide
  Arbitrary<List<Step>> programs() {
    Arbitrary<Step> open = Ids.tenants(4).optional(0.8).map(tenant -> new Step(true, tenant));
    Arbitrary<Step> close = Arbitraries.just(new Step(false, Optional.empty()));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, open), net.jqwik.api.Tuple.of(2, close)).list().ofMaxSize(40);
  }

  @Property(tries = 1000)
  void nestedScopesRestoreExactlyAndMdcFollows(@ForAll("programs") List<Step> program) {
    Deque<TenantScope> open = new ArrayDeque<>();
    Deque<Optional<TenantId>> model = new ArrayDeque<>(); // empty element = system scope
    for (Step step : program) {
      if (step.open()) {
        open.push(step.tenant().isPresent() ? TenantContext.open(step.tenant().get())
            : TenantContext.openSystem("property"));
        model.push(step.tenant());
      } else if (!open.isEmpty()) {
        open.pop().close();
        model.pop();
      }
      Optional<TenantId> expected = model.isEmpty() ? Optional.empty() : model.peek();
      assertThat(TenantContext.current()).isEqualTo(expected);
      String expectedMdc = model.isEmpty() ? null
          : model.peek().map(TenantId::value).orElse(TenantContext.SYSTEM_MDC_VALUE);
      assertThat(MDC.get(TenantContext.MDC_KEY)).isEqualTo(expectedMdc);
      assertThat(TenantContext.systemScope().isPresent()).isEqualTo(!model.isEmpty() && model.peek().isEmpty());
    }
    while (!open.isEmpty()) {
      open.pop().close();
    }
    assertThat(TenantContext.current()).isEmpty();
    assertThat(MDC.get(TenantContext.MDC_KEY)).isNull();
  }

  @Property(tries = 1000)
  void concurrentScopesOnManyThreadsEachSeeTheirOwnTenant(
      @ForAll @IntRange(min = 2, max = 48) int tasks, @ForAll @Size(min = 1, max = 6) List<@IntRange(max = 99) Integer> nesting)
      throws Exception {
    CountDownLatch allOpen = new CountDownLatch(tasks);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      int task = i;
      results.add(MANY.submit(() -> {
        boolean ok = true;
        Deque<TenantScope> scopes = new ArrayDeque<>();
        for (int depth = 0; depth < nesting.size(); depth++) {
          TenantId tenant = TenantId.of("t" + task + "-" + nesting.get(depth));
          scopes.push(TenantContext.open(tenant));
          if (depth == 0) {
            allOpen.countDown();
            // Hold the scope while the other tasks open theirs, so they really overlap (bounded wait).
            allOpen.await(Math.max(1, 200 / tasks), TimeUnit.MILLISECONDS);
          }
          ok &= TenantContext.require().equals(tenant) && tenant.value().equals(MDC.get(TenantContext.MDC_KEY));
        }
        for (int depth = nesting.size() - 1; depth >= 0; depth--) {
          TenantId expected = TenantId.of("t" + task + "-" + nesting.get(depth));
          ok &= TenantContext.require().equals(expected);
          scopes.pop().close();
        }
        return ok && TenantContext.current().isEmpty();
      }));
    }
    for (Future<Boolean> result : results) {
      assertThat(result.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
