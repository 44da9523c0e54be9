package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import dev.tenancy.test.TestRedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each failure policy while a Redis server (a private one this test starts) is stopped, bounded decision time
 * while it is down, and the return to Redis once it is back.
 */
class FailurePolicyIT {

  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final TenantId ACME = TenantId.of("acme");
  private static final Duration RETRY_INTERVAL = Duration.ofMillis(200);

  private TestRedisServer server;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;

  @BeforeEach
  void start() {
    server = TestRedisServer.start();
    client = RedisClient.create(server.uri());
    // Fail fast while disconnected instead of queueing commands until the server returns.
    client.setOptions(ClientOptions.builder()
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
    connection = client.connect();
  }

  @AfterEach
  void stop() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    server.close();
  }

  private TenantRateLimiter limiter(FailurePolicy policy) {
    return TenantRateLimiter.builder().plans(TestPlans.uniform(4, Duration.ofHours(1))).redis(connection)
        .failurePolicy(policy).timeout(TIMEOUT).retryInterval(RETRY_INTERVAL).build();
  }

  /** Decides and checks that the decision came back within a bound however the store behaves. */
  private static Decision timed(TenantRateLimiter limiter) {
    long start = System.nanoTime();
    Decision decision = limiter.decide(ACME);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.multipliedBy(10));
    return decision;
  }

  private void recoverAndCheck(TenantRateLimiter limiter) throws InterruptedException {
    server.restart();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Decision decision = timed(limiter);
    while (decision.degraded() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      decision = timed(limiter);
    }
    assertThat(decision.degraded()).as("back on Redis after it restarted").isFalse();
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.remaining()).isEqualTo(3); // the restarted server is empty
  }

  @Test
  void failOpenAllowsWhileRedisIsDownAndRecovers() throws Exception {
    TenantRateLimiter limiter = limiter(FailurePolicy.FAIL_OPEN);
    for (int i = 0; i < 4; i++) {
      assertThat(timed(limiter).allowed()).isTrue();
    }
    assertThat(timed(limiter).allowed()).isFalse();
    server.stop();
    // The denial Redis just gave is remembered for up to the retry interval (200 ms here), outage or not.
    Thread.sleep(RETRY_INTERVAL.toMillis() + 50);
    for (int i = 0; i < 10; i++) {
      Decision d = timed(limiter);
      assertThat(d.allowed()).isTrue();
      assertThat(d.degraded()).isTrue();
    }
    recoverAndCheck(limiter);
  }

  @Test
  void failClosedDeniesWhileRedisIsDownAndRecovers() throws Exception {
    TenantRateLimiter limiter = limiter(FailurePolicy.FAIL_CLOSED);
    assertThat(timed(limiter).allowed()).isTrue();
    server.stop();
    for (int i = 0; i < 10; i++) {
      Decision d = timed(limiter);
      assertThat(d.allowed()).isFalse();
      assertThat(d.degraded()).isTrue();
      assertThat(d.retryAfter()).isPositive();
    }
    recoverAndCheck(limiter);
  }

  @Test
  void localFallbackGrantsTheInstanceShareWhileRedisIsDownAndRecovers() throws Exception {
    TenantRateLimiter limiter = limiter(FailurePolicy.localFallback(0.5));
    assertThat(timed(limiter).allowed()).isTrue();
    server.stop();
    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      Decision d = timed(limiter);
      assertThat(d.degraded()).isTrue();
      if (d.allowed()) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(2); // half of the quota of 4, on this instance alone
    recoverAndCheck(limiter);
  }

  @Test
  void slowRedisIsCutOffByTheTimeout() throws Exception {
    TenantRateLimiter limiter = limiter(FailurePolicy.FAIL_CLOSED);
    assertThat(timed(limiter).degraded()).isFalse();
    connection.sync().clientPause(1_500); // the server holds every client's commands for 1.5 s
    long start = System.nanoTime();
    Decision d = limiter.decide(ACME);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_200));
    assertThat(d.degraded()).isTrue();
    assertThat(d.allowed()).isFalse();
    Thread.sleep(2_000);
    assertThat(timed(limiter).degraded()).isFalse();
  }

  @Test
  void asyncDecisionsApplyThePolicyWithinTheTimeout() throws Exception {
    TenantRateLimiter limiter = limiter(FailurePolicy.FAIL_CLOSED);
    assertThat(limiter.decideAsync(ACME, null, 1).toCompletableFuture().join().degraded()).isFalse();
    server.stop();
    long start = System.nanoTime();
    Decision d = limiter.decideAsync(ACME, null, 1).toCompletableFuture().join();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.multipliedBy(10));
    assertThat(d.degraded()).isTrue();
    assertThat(d.allowed()).isFalse();
    server.restart();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (d.degraded() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      d = limiter.decideAsync(ACME, null, 1).toCompletableFuture().join();
    }
    assertThat(d.degraded()).isFalse();
  }

  @Test
  void budgetsApplyEachPolicyWhileRedisIsDown() throws Exception {
    ConcurrencyBudget open = budget(FailurePolicy.FAIL_OPEN);
    ConcurrencyBudget closed = budget(FailurePolicy.FAIL_CLOSED);
    ConcurrencyBudget fallback = budget(FailurePolicy.localFallback(0.5));
    assertThat(closed.tryAcquire(ACME)).isPresent();
    server.stop();
    assertThat(open.tryAcquire(ACME)).isPresent();
    assertThat(closed.tryAcquire(ACME)).isEmpty();
    Optional<ConcurrencyBudget.Lease> first = fallback.tryAcquire(ACME);
    assertThat(first).isPresent();
    assertThat(fallback.tryAcquire(ACME)).isPresent();
    assertThat(fallback.tryAcquire(ACME)).isEmpty(); // half of 4 on this instance
    first.get().close();
    assertThat(fallback.tryAcquire(ACME)).isPresent();
    server.restart();
    Thread.sleep(1_100); // past the budget's retry interval
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Optional<ConcurrencyBudget.Lease> lease = closed.tryAcquire(ACME);
    while (lease.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      lease = closed.tryAcquire(ACME);
    }
    assertThat(lease).as("fail-closed budget grants again once Redis is back").isPresent();
  }

  private ConcurrencyBudget budget(FailurePolicy policy) {
    return ConcurrencyBudget.builder().plans(TestPlans.concurrency(4)).redis(connection).failurePolicy(policy)
        .timeout(TIMEOUT).build();
  }
}
