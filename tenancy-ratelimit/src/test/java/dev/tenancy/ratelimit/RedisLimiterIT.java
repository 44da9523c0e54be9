package dev.tenancy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.TenantId;
import dev.tenancy.test.TestRedisServer;
import dev.tenancy.test.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis limiter and budget against a real Redis, with two independent clients sharing one budget. */
class RedisLimiterIT {

  private TestRedis redis;
  private RedisClient clientA;
  private RedisClient clientB;
  private StatefulRedisConnection<String, String> a;
  private StatefulRedisConnection<String, String> b;

  @BeforeEach
  void connect() {
    redis = TestRedis.create();
    clientA = RedisClient.create(redis.uri());
    clientB = RedisClient.create(redis.uri());
    a = clientA.connect();
    b = clientB.connect();
  }

  @AfterEach
  void disconnect() {
    a.close();
    b.close();
    clientA.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    clientB.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    redis.close();
  }

  private TenantRateLimiter limiter(StatefulRedisConnection<String, String> connection, RateLimitPlans plans) {
    return TenantRateLimiter.builder().plans(plans).redis(connection).keyPrefix(redis.key("rl:"))
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2)).build();
  }

  @Test
  void twoInstancesShareOneBudget() {
    RateLimitPlans plans = TestPlans.uniform(50, Duration.ofHours(1));
    TenantRateLimiter one = limiter(a, plans);
    TenantRateLimiter two = limiter(b, plans);
    TenantId acme = TenantId.of("acme");
    int allowed = 0;
    for (int i = 0; i < 60; i++) {
      if ((i % 2 == 0 ? one : two).decide(acme).allowed()) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(50);
    Decision denied = two.decide(acme);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.degraded()).isFalse();
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(73));
    assertThat(one.decide(TenantId.of("other")).allowed()).isTrue();
  }

  @Test
  void concurrentDecisionsFromTwoClientsNeverOverAdmit() throws Exception {
    RateLimitPlans plans = TestPlans.uniform(200, Duration.ofHours(1));
    TenantRateLimiter one = limiter(a, plans);
    TenantRateLimiter two = limiter(b, plans);
    List<CompletableFuture<Decision>> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add((i % 2 == 0 ? one : two).decideAsync(TenantId.of("hot"), null, 1).toCompletableFuture());
    }
    long allowed = 0;
    for (CompletableFuture<Decision> f : all) {
      if (f.get().allowed()) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(200);
  }

  @Test
  void decisionUsesServerClockAndReportsRemainingAndReset() {
    TenantRateLimiter limiter = limiter(a, TestPlans.uniform(10, Duration.ofSeconds(10)));
    Decision first = limiter.decide(TenantId.of("acme"));
    assertThat(first.allowed()).isTrue();
    assertThat(first.remaining()).isEqualTo(9);
    assertThat(first.reset()).isEqualTo(Duration.ofSeconds(1));
    assertThat(first.policy().name()).isEqualTo("std");
    Decision three = limiter.decide(TenantId.of("acme"), null, 3);
    assertThat(three.remaining()).isBetween(6L, 7L); // a permit may have come back meanwhile
    String value = a.sync().get(redis.key("rl:") + "{acme}:t");
    assertThat(value).matches("[0-9]{16,}"); // microseconds of the server's clock
    assertThat(a.sync().pttl(redis.key("rl:") + "{acme}:t")).isBetween(1L, 4_100L);
  }

  @Test
  void aTenantLevelDenialIsAnsweredInProcessUntilItsRetryAfterButASubjectLevelOneIsNot() throws Exception {
    AtomicLong commands = new AtomicLong();
    RedisClient counted = RedisClient.create(redis.uri());
    counted.addListener(new io.lettuce.core.event.command.CommandListener() {
      @Override
      public void commandStarted(io.lettuce.core.event.command.CommandStartedEvent event) {
        commands.incrementAndGet();
      }
    });
    try (StatefulRedisConnection<String, String> connection = counted.connect()) {
      // 5 per 10 s: the denial's retry-after is about 2 s, well beyond what 1,000 decisions take on a busy machine,
      // and remembered for all of it (retryInterval 3 s).
      RateLimitPlans plans = RateLimitPlans.of(TestPlans.EVERYONE,
          RateLimitPlan.of("std", 5, Duration.ofSeconds(10)).withSubjectQuota(1, Duration.ofHours(1)));
      TenantRateLimiter limiter = TenantRateLimiter.builder().plans(plans).redis(connection)
          .keyPrefix(redis.key("rl:")).failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(2))
          .retryInterval(Duration.ofSeconds(3)).build();
      TenantId flood = TenantId.of("flood");
      for (int i = 0; i < 5; i++) {
        assertThat(limiter.decide(flood).allowed()).isTrue();
      }
      Decision denied = limiter.decide(flood);
      assertThat(denied.allowed()).isFalse();
      long afterDenial = commands.get();
      Duration previous = denied.retryAfter();
      for (int i = 0; i < 1_000; i++) {
        Decision again = limiter.decide(flood, null, 1 + i % 3);
        assertThat(again.allowed()).isFalse();
        assertThat(again.retryAfter()).isPositive().isLessThanOrEqualTo(previous);
        assertThat(again.policy()).isEqualTo(denied.policy());
        previous = again.retryAfter();
      }
      assertThat(commands.get()).as("Redis commands for 1,000 requests under the denial").isEqualTo(afterDenial);
      assertThat(limiter.decide(TenantId.of("calm")).allowed()).isTrue();
      assertThat(commands.get()).as("another tenant still asks Redis").isEqualTo(afterDenial + 1);
      Thread.sleep(previous.toMillis() + 50);
      assertThat(limiter.decide(flood).allowed()).as("allowed again once Redis's retry-after has passed").isTrue();
      assertThat(commands.get()).isEqualTo(afterDenial + 2);

      TenantId subjects = TenantId.of("subjects");
      assertThat(limiter.decide(subjects, "alice").allowed()).isTrue();
      long before = commands.get();
      for (int i = 0; i < 3; i++) {
        assertThat(limiter.decide(subjects, "alice").allowed()).isFalse();
      }
      assertThat(commands.get()).as("a subject-level denial is asked of Redis each time").isEqualTo(before + 3);
      assertThat(limiter.decide(subjects, "bob").allowed()).isTrue();
    } finally {
      counted.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void subjectLevelDeniesWithoutConsumingTheTenantLevel() {
    RateLimitPlans plans = RateLimitPlans.of(TestPlans.EVERYONE,
        RateLimitPlan.of("std", 5, Duration.ofHours(1)).withSubjectQuota(2, Duration.ofHours(1)));
    TenantRateLimiter limiter = limiter(a, plans);
    TenantId acme = TenantId.of("acme");
    assertThat(limiter.decide(acme, "alice").allowed()).isTrue();
    assertThat(limiter.decide(acme, "alice").allowed()).isTrue();
    Decision third = limiter.decide(acme, "alice");
    assertThat(third.allowed()).isFalse();
    assertThat(third.policy().name()).isEqualTo("std-subject");
    // alice's denial took nothing from the tenant: bob gets 2, then the tenant's 5th, then the tenant is full
    assertThat(limiter.decide(acme, "bob").allowed()).isTrue();
    assertThat(limiter.decide(acme, "bob").allowed()).isTrue();
    assertThat(limiter.decide(acme, "carol").allowed()).isTrue();
    Decision full = limiter.decide(acme, "carol");
    assertThat(full.allowed()).isFalse();
    assertThat(full.policy().name()).isEqualTo("std");
    // both levels of one decision share the tenant's hash tag, hence one cluster slot
    assertThat(a.sync().keys(redis.key("rl:") + "*"))
        .allMatch(key -> key.startsWith(redis.key("rl:") + "{acme}:"));
  }

  @Test
  void scriptMissingOnTheServerIsLoadedByEval() {
    // A fresh private server has no scripts cached: the first EVALSHA answers NOSCRIPT.
    try (TestRedisServer server = TestRedisServer.start()) {
      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        TenantRateLimiter limiter = TenantRateLimiter.builder().plans(TestPlans.uniform(3, Duration.ofHours(1)))
            .redis(connection).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        assertThat(limiter.decide(TenantId.of("acme")).degraded()).isFalse();
        assertThat(limiter.decideAsync(TenantId.of("acme"), null, 1).toCompletableFuture().join().degraded())
            .isFalse();
        connection.sync().scriptFlush();
        Decision afterFlush = limiter.decideAsync(TenantId.of("acme"), null, 1).toCompletableFuture().join();
        assertThat(afterFlush.degraded()).isFalse();
        assertThat(afterFlush.remaining()).isZero();
        ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(1)).redis(connection)
            .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        Optional<ConcurrencyBudget.Lease> lease = budget.tryAcquire(TenantId.of("acme"));
        assertThat(lease).isPresent();
        assertThat(budget.tryAcquire(TenantId.of("acme"))).isEmpty();
        lease.get().close();
        assertThat(budget.tryAcquire(TenantId.of("acme"))).isPresent();
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void leaseOfADeadHolderExpires() {
    AtomicLong clock = new AtomicLong(1_000_000_000_000_000L);
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(2)).redis(a)
        .keyPrefix(redis.key("c:")).leaseTime(Duration.ofSeconds(30)).clock(clock::get)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
    ConcurrencyBudget other = ConcurrencyBudget.builder().plans(TestPlans.concurrency(2)).redis(b)
        .keyPrefix(redis.key("c:")).leaseTime(Duration.ofSeconds(30)).clock(clock::get)
        .failurePolicy(FailurePolicy.FAIL_CLOSED).build();
    TenantId acme = TenantId.of("acme");
    assertThat(budget.tryAcquire(acme)).isPresent(); // never closed: its holder "dies"
    assertThat(other.tryAcquire(acme)).isPresent();
    assertThat(other.tryAcquire(acme)).isEmpty();
    clock.addAndGet(Duration.ofSeconds(31).toNanos());
    assertThat(other.tryAcquire(acme)).isPresent();
    assertThat(other.tryAcquire(acme)).isPresent();
    assertThat(other.tryAcquire(acme)).isEmpty();
  }

  @Test
  void acquireWaitsBoundedlyForAReleasedLease() throws Exception {
    ConcurrencyBudget budget = ConcurrencyBudget.builder().plans(TestPlans.concurrency(1)).redis(a)
        .keyPrefix(redis.key("w:")).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
    TenantId acme = TenantId.of("acme");
    ConcurrencyBudget.Lease held = budget.acquire(acme, Duration.ZERO);
    CompletableFuture<ConcurrencyBudget.Lease> waiter =
        CompletableFuture.supplyAsync(() -> budget.acquire(acme, Duration.ofSeconds(20)));
    Thread.sleep(50);
    assertThat(waiter).isNotDone();
    held.close();
    assertThat(waiter.get().tenant()).isEqualTo(acme);
    long start = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> budget.acquire(acme, Duration.ofMillis(100)))
        .isInstanceOf(BudgetExhaustedException.class).hasMessageContaining("acme");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
  }
}
