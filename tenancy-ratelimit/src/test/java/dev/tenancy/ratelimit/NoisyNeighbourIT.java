package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantDirectory;
import dev.tenancy.TenantId;
import dev.tenancy.TenantInfo;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Tenant A sends 20 times its quota from several threads while tenant B stays within its quota: B gets every
 * request, and B's p99 decision latency stays within 1.5x of B running alone. Alone and with-A phases alternate
 * and the medians of their p99s are compared, so that load from other processes on the machine hits both alike.
 * Should the latency condition fail, the whole measurement is repeated, up to three measurements in all (each printed):
 * a build machine shared with other builds can slow one set of phases for reasons that have nothing to do with
 * tenant A. On an idle 2-core machine the first measurement gave 1.07–1.41 in six runs; A's flood reaches Redis
 * about once per permit interval, as the limiter answers a tenant it knows to be denied in process.
 */
class NoisyNeighbourIT {

  private static final TenantId A = TenantId.of("noisy");
  private static final TenantId B = TenantId.of("quiet");
  private static final int A_THREADS = 4;
  private static final int A_QUOTA_PER_SECOND = 25;
  private static final int B_REQUESTS_PER_PHASE = 1_000;
  private static final int ROUNDS = 12;
  private static final int ATTEMPTS = 3;

  @Test
  void quietTenantGetsEverythingAtItsOwnLatencyWhileANoisyOneFloods() throws Exception {
    TenantDirectory directory =
        tenant -> Optional.of(TenantInfo.active(tenant, tenant.equals(A) ? "free" : "pro"));
    RateLimitPlans plans = RateLimitPlans.of(directory,
            RateLimitPlan.of("free", A_QUOTA_PER_SECOND, Duration.ofSeconds(1)))
        .tier("pro", RateLimitPlan.of("pro", 100_000, Duration.ofSeconds(1)));
    try (TestRedis redis = TestRedis.create()) {
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        TenantRateLimiter limiter = TenantRateLimiter.builder().plans(plans).redis(connection)
            .keyPrefix(redis.key("rl:")).failurePolicy(FailurePolicy.FAIL_CLOSED)
            .timeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 500; i++) { // warm up the JIT and the connection
          limiter.decide(B);
        }
        for (int i = 0; i < 2; i++) { // and A's paths (denied by Redis, then in process), unmeasured
          Flood warmUp = new Flood(limiter);
          runB(limiter);
          warmUp.stop();
        }
        for (int attempt = 1; ; attempt++) {
          double ratio = measure(limiter);
          if (ratio <= 1.5 || attempt == ATTEMPTS) {
            assertThat(ratio).as("B's median p99 with A flooding, over B alone").isLessThanOrEqualTo(1.5);
            break;
          }
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /** Alternates alone and with-A phases; checks B and A's admissions; returns the ratio of the medians of p99s. */
  private static double measure(TenantRateLimiter limiter) throws InterruptedException {
        double[] alone = new double[ROUNDS];
        double[] noisy = new double[ROUNDS];
        long aSent = 0;
        long aAllowed = 0;
        long aNanos = 0;
        for (int round = 0; round < ROUNDS; round++) {
          boolean aloneFirst = round % 2 == 0;
          for (int half = 0; half < 2; half++) {
            boolean withA = (half == 0) != aloneFirst;
            if (!withA) {
              alone[round] = p99(runB(limiter));
              continue;
            }
            Flood flood = new Flood(limiter);
            long start = System.nanoTime();
            noisy[round] = p99(runB(limiter));
            flood.stop();
            aNanos += System.nanoTime() - start;
            aSent += flood.sent.get();
            aAllowed += flood.allowed.get();
          }
        }
        double aloneMedian = median(alone);
        double noisyMedian = median(noisy);
        double aQuotaInPhases = A_QUOTA_PER_SECOND * (aNanos / 1e9);
        System.out.printf("noisy neighbour: B p99 alone %s us (median %.0f), with A %s us (median %.0f), ratio %.2f;"
                + " A sent %d (%.1fx its quota over the phases), allowed %d%n",
            Arrays.toString(rounded(alone)), aloneMedian, Arrays.toString(rounded(noisy)), noisyMedian,
            noisyMedian / aloneMedian, aSent, aSent / aQuotaInPhases, aAllowed);
        assertThat(aSent).as("A sends at least 20x its quota").isGreaterThanOrEqualTo((long) (20 * aQuotaInPhases));
        assertThat(aAllowed).as("A gets no more than its quota plus one burst per phase")
            .isLessThanOrEqualTo((long) aQuotaInPhases + (long) A_QUOTA_PER_SECOND * ROUNDS);
        return noisyMedian / aloneMedian;
  }

  /** B's phase: requests well within its quota, each timed; every one must be allowed. */
  private static long[] runB(TenantRateLimiter limiter) {
    long[] nanos = new long[B_REQUESTS_PER_PHASE];
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      Decision decision = limiter.decide(B);
      nanos[i] = System.nanoTime() - start;
      assertThat(decision.allowed()).as("B's request %d within its quota", i).isTrue();
      LockSupport.parkNanos(300_000); // B sends a few thousand per second at most, a few % of its quota
    }
    return nanos;
  }

  /** A's threads, together sending 20x A's quota or more until stopped. */
  private static final class Flood {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong allowed = new AtomicLong();
    final List<Thread> threads = new ArrayList<>();
    final CountDownLatch started = new CountDownLatch(A_THREADS);

    Flood(TenantRateLimiter limiter) throws InterruptedException {
      // 20x the quota, plus a margin, spread over the threads
      long pauseNanos = (long) (1e9 / (A_QUOTA_PER_SECOND * 24.0 / A_THREADS));
      for (int t = 0; t < A_THREADS; t++) {
        Thread thread = new Thread(() -> {
          started.countDown();
          long next = System.nanoTime();
          while (running.get()) {
            if (limiter.decide(A).allowed()) {
              allowed.incrementAndGet();
            }
            sent.incrementAndGet();
            next += pauseNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
        });
        thread.start();
        threads.add(thread);
      }
      started.await(10, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread thread : threads) {
        thread.join();
      }
    }
  }

  private static double p99(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1000.0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static long[] rounded(double[] values) {
    return Arrays.stream(values).mapToLong(Math::round).toArray();
  }
}
