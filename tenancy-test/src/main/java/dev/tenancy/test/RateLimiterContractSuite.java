package dev.tenancy.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The rate-limiter contract, written once and run against every limiter (in process, Redis, Redis Cluster):
 * with a clock the test controls, over any sequence of requests a limiter never admits more than its burst plus
 * its refill over the elapsed time, and admits every request a client keeping within the budget sends; a
 * concurrency budget is never exceeded and grants what is free.
 *
 * <p>Extend it and adapt your limiter in a few lines; each call of a factory method must return a limiter with
 * fresh state (e.g. a new key prefix), because every try starts from an empty budget:
 * <pre>{@code
 * class LocalLimiterContractTest extends RateLimiterContractSuite {
 *   protected Limiter limiter(long limit, Duration window, LongSupplier clockNanos) {
 *     TenantRateLimiter l = ...build with limit per window and clockNanos as its clock...;
 *     return (key, permits) -> l.decide(TenantId.of(key), null, permits).allowed();
 *   }
 *   protected Budget budget(int limit) { ... }
 * }
 * }</pre>
 *
 * <p>Keys are {@code k0}, {@code k1}, {@code k2} (valid tenant ids). Windows are whole multiples of the limit in
 * milliseconds and the clock advances in whole microseconds, so the permit interval is exact for limiters that
 * count in microseconds (Redis) or nanoseconds.
 */
public abstract class RateLimiterContractSuite {

  /** Where the contract's clock starts, in nanoseconds: far from zero, like a real clock. */
  protected static final long CLOCK_START_NANOS = 1_000_000_000_000_000L;

  /** A rate limiter as the contract sees it. */
  @FunctionalInterface
  public interface Limiter {
    /**
     * Decides one request.
     *
     * @param key the key (tenant) of the request
     * @param permits the cost of the request, 1 to 3
     * @return whether the request was admitted
     */
    boolean tryAcquire(String key, int permits);
  }

  /** A concurrency budget as the contract sees it. */
  @FunctionalInterface
  public interface Budget {
    /**
     * Takes a slot without waiting.
     *
     * @param key the key (tenant)
     * @return a runnable that gives the slot back, or empty when none is free
     */
    Optional<Runnable> tryAcquire(String key);
  }

  /**
   * Creates a limiter with fresh state: {@code limit} permits per {@code window} for every key, reading time from
   * {@code clockNanos}.
   *
   * @param limit the permits per window and the burst
   * @param window the window
   * @param clockNanos the clock in nanoseconds, advanced only by the contract
   * @return the limiter
   */
  protected abstract Limiter limiter(long limit, Duration window, LongSupplier clockNanos);

  /**
   * Creates a concurrency budget with fresh state and {@code limit} slots per key.
   *
   * @param limit the slots per key
   * @return the budget
   */
  protected abstract Budget budget(int limit);

  /** One request of a program: wait, then ask. */
  public record Step(long advanceMicros, int key, int permits) {}

  /** @return programs of up to 60 requests over three keys, with bursts and pauses */
  @Provide
  Arbitrary<List<Step>> programs() {
    Arbitrary<Long> advance = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.just(0L)),
        net.jqwik.api.Tuple.of(4, Arbitraries.longs().between(1, 5_000)),
        net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(5_000, 200_000)));
    Arbitrary<Step> step = Combinators.combine(advance, Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(1, 3)).as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(60);
  }

  /**
   * Over any program, for every key and every two admitted requests, the permits admitted between them (both
   * included) are at most the limit plus the permits refilled in between.
   *
   * @param limit the permits per window
   * @param millisPerPermit the window divided by the limit, in milliseconds
   * @param program the requests
   */
  @Property(tries = 60)
  void neverAdmitsMoreThanBurstPlusRefill(@ForAll @IntRange(min = 1, max = 10) int limit,
      @ForAll @IntRange(min = 1, max = 20) int millisPerPermit, @ForAll("programs") List<Step> program) {
    AtomicLong clock = new AtomicLong(CLOCK_START_NANOS);
    Limiter limiter = limiter(limit, Duration.ofMillis((long) limit * millisPerPermit), clock::get);
    long intervalNanos = millisPerPermit * 1_000_000L;
    List<List<long[]>> admitted = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (Step step : program) {
      long now = clock.addAndGet(step.advanceMicros() * 1000);
      if (limiter.tryAcquire("k" + step.key(), step.permits())) {
        admitted.get(step.key()).add(new long[] {now, step.permits()});
      }
    }
    for (int key = 0; key < 3; key++) {
      List<long[]> times = admitted.get(key);
      for (int i = 0; i < times.size(); i++) {
        long sum = 0;
        for (int j = i; j < times.size(); j++) {
          sum += times.get(j)[1];
          long bound = limit + (times.get(j)[0] - times.get(i)[0]) / intervalNanos;
          if (sum > bound) {
            throw new AssertionError("key k" + key + " admitted " + sum + " permits between "
                + (times.get(i)[0] - CLOCK_START_NANOS) / 1000 + " us and " + (times.get(j)[0] - CLOCK_START_NANOS) / 1000
                + " us, more than the burst " + limit + " plus the refill " + (bound - limit));
          }
        }
      }
    }
  }

  /**
   * A client that sends only what an ideal token bucket (burst {@code limit}, one permit back per interval,
   * starting full) allows is never denied.
   *
   * @param limit the permits per window
   * @param millisPerPermit the window divided by the limit, in milliseconds
   * @param program the requests the client would like to send
   */
  @Property(tries = 60)
  void admitsEverythingWithinTheBudget(@ForAll @IntRange(min = 1, max = 10) int limit,
      @ForAll @IntRange(min = 1, max = 20) int millisPerPermit, @ForAll("programs") List<Step> program) {
    AtomicLong clock = new AtomicLong(CLOCK_START_NANOS);
    Limiter limiter = limiter(limit, Duration.ofMillis((long) limit * millisPerPermit), clock::get);
    long interval = millisPerPermit * 1_000_000L;
    long[] tat = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};
    for (Step step : program) {
      long now = clock.addAndGet(step.advanceMicros() * 1000);
      long next = Math.max(tat[step.key()], now) + step.permits() * interval;
      if (next - (long) limit * interval > now) {
        continue; // the ideal bucket has too few permits: a well-behaved client waits
      }
      tat[step.key()] = next;
      if (!limiter.tryAcquire("k" + step.key(), step.permits())) {
        throw new AssertionError("key k" + step.key() + " was denied " + step.permits() + " permits at "
            + (now - CLOCK_START_NANOS) / 1000 + " us although the budget had them");
      }
    }
  }

  /**
   * Threads racing for a budget never hold more than its slots at once, and a free slot is always granted.
   *
   * @param limit the slots
   * @param threads the racing threads
   * @param attempts attempts per thread
   * @throws InterruptedException when interrupted
   */
  @Property(tries = 15)
  void concurrencyBudgetIsNeverExceeded(@ForAll @IntRange(min = 1, max = 4) int limit,
      @ForAll @IntRange(min = 2, max = 6) int threads, @ForAll @IntRange(min = 5, max = 30) int attempts)
      throws InterruptedException {
    Budget budget = budget(limit);
    List<Runnable> held = new ArrayList<>();
    for (int i = 0; i < limit; i++) {
      held.add(budget.tryAcquire("k0").orElseThrow(() -> new AssertionError("a free slot was refused")));
    }
    if (budget.tryAcquire("k0").isPresent()) {
      throw new AssertionError("a budget of " + limit + " granted a slot more");
    }
    if (budget.tryAcquire("k1").isEmpty()) {
      throw new AssertionError("one key's full budget refused another key");
    }
    held.forEach(Runnable::run);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < attempts; i++) {
            Optional<Runnable> slot = budget.tryAcquire("k0");
            if (slot.isPresent()) {
              most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              Thread.yield();
              inFlight.decrementAndGet();
              slot.get().run();
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      });
      thread.start();
    }
    start.countDown();
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new AssertionError("budget threads did not finish within 60 s");
    }
    if (failure.get() != null) {
      throw new AssertionError("a budget thread failed", failure.get());
    }
    if (most.get() > limit) {
      throw new AssertionError(most.get() + " operations were in flight at once under a budget of " + limit);
    }
    if (most.get() < 1) {
      throw new AssertionError("no thread ever got a slot");
    }
  }
}
