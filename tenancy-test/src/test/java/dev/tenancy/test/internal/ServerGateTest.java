package dev.tenancy.test.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.skippedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TenancyRabbitMq;
import dev.tenancy.test.TenancyRedisCluster;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Example;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The server gate: its decision table, and what JUnit 5 and jqwik do with a suite it does not let run. */
class ServerGateTest {

  private static final Function<GatedServer, Availability> NOTHING_AVAILABLE = ServerGateTest::nothingHere;

  private static Availability nothingHere(GatedServer server) {
    return Availability.unavailable("nothing here for " + server.id());
  }

  @Test
  void requireNamesServersOrAll() {
    assertThat(ServerGate.required(null)).isEmpty();
    assertThat(ServerGate.required(" ")).isEmpty();
    assertThat(ServerGate.required("pgbouncer, Redis-Cluster"))
        .containsExactlyInAnyOrder(GatedServer.PGBOUNCER, GatedServer.REDIS_CLUSTER);
    assertThat(ServerGate.required("all")).containsExactlyInAnyOrder(GatedServer.values());
    assertThatThrownBy(() -> ServerGate.required("pgbouncer,kafka"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown server 'kafka'")
        .hasMessageContaining("pgbouncer, redis-cluster, rabbitmq, or all");
  }

  @Test
  void anAvailableServerRuns() {
    ServerGate.Decision d = ServerGate.decide("S", List.of(GatedServer.PGBOUNCER),
        new ServerGate.Settings(EnumSet.allOf(GatedServer.class), s -> Availability.available()));
    assertThat(d.verdict()).isEqualTo(ServerGate.Verdict.RUN);
  }

  @Test
  void anUnavailableServerIsReportedWithTheReasonAndTheRemedyUnlessRequired() {
    ServerGate.Decision reported = ServerGate.decide("S", List.of(GatedServer.PGBOUNCER),
        new ServerGate.Settings(Set.of(GatedServer.RABBITMQ), NOTHING_AVAILABLE));
    assertThat(reported.verdict()).isEqualTo(ServerGate.Verdict.REPORT);
    assertThat(reported.message())
        .startsWith("NOT RUN S: needs pgbouncer")
        .contains("nothing here for pgbouncer")
        .contains(GatedServer.PGBOUNCER.howToProvide())
        .contains("TENANCY_TEST_REQUIRE=pgbouncer");

    ServerGate.Decision failed = ServerGate.decide("S", List.of(GatedServer.PGBOUNCER),
        new ServerGate.Settings(Set.of(GatedServer.PGBOUNCER), NOTHING_AVAILABLE));
    assertThat(failed.verdict()).isEqualTo(ServerGate.Verdict.FAIL);
    assertThat(failed.message()).contains("TENANCY_TEST_REQUIRE requires").contains("nothing here for pgbouncer");
  }

  @Test
  void aConfiguredServerThatDoesNotAnswerAlwaysFails() {
    ServerGate.Decision d = ServerGate.decide("S", List.of(GatedServer.RABBITMQ),
        new ServerGate.Settings(Set.of(), s -> Availability.misconfigured("the URL does not answer")));
    assertThat(d.verdict()).isEqualTo(ServerGate.Verdict.FAIL);
    assertThat(d.message()).contains("the URL does not answer");
  }

  @Test
  void aRequiredMissingServerWinsOverAReportedOne() {
    ServerGate.Decision d = ServerGate.decide("S", List.of(GatedServer.PGBOUNCER, GatedServer.RABBITMQ),
        new ServerGate.Settings(Set.of(GatedServer.RABBITMQ), NOTHING_AVAILABLE));
    assertThat(d.verdict()).isEqualTo(ServerGate.Verdict.FAIL);
  }

  @Test
  void junitClassIsDisabledWithTheReasonAndListedForTheSummary() {
    try (Overridden overridden = new Overridden(new ServerGate.Settings(Set.of(), NOTHING_AVAILABLE))) {
      Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(JUnitSuite.class)).execute()
          .containerEvents();
      events.assertThatEvents().haveExactly(1, event(container(JUnitSuite.class),
          skippedWithReason(reason -> reason.startsWith("NOT RUN " + JUnitSuite.class.getName()
              + ": needs redis-cluster"))));
      assertThat(overridden.reported()).singleElement().asString().contains(JUnitSuite.class.getName());
    }
    assertThat(ServerGate.reported()).isEmpty();
  }

  @Test
  void junitClassFailsWhenItsServerIsRequired() {
    try (Overridden overridden = new Overridden(
        new ServerGate.Settings(Set.of(GatedServer.REDIS_CLUSTER), NOTHING_AVAILABLE))) {
      EngineTestKit.engine("junit-jupiter").selectors(selectClass(JUnitSuite.class)).execute()
          .containerEvents().assertThatEvents().haveExactly(1, event(container(JUnitSuite.class),
              finishedWithFailure(message(m -> m.contains("which TENANCY_TEST_REQUIRE requires")))));
      assertThat(overridden.reported()).isEmpty();
    }
  }

  @Test
  void junitClassRunsWhenItsServerIsAvailable() {
    try (Overridden overridden = new Overridden(
        new ServerGate.Settings(Set.of(), s -> Availability.available()))) {
      EngineTestKit.engine("junit-jupiter").selectors(selectClass(PgBouncerSuite.class)).execute()
          .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
      assertThat(overridden.reported()).isEmpty();
    }
  }

  @Test
  void jqwikClassIsSkippedWithTheReason() {
    try (Overridden overridden = new Overridden(new ServerGate.Settings(Set.of(), NOTHING_AVAILABLE))) {
      Events events = EngineTestKit.engine("jqwik").selectors(selectClass(JqwikSuite.class)).execute().allEvents();
      events.assertThatEvents().haveExactly(1, event(container(JqwikSuite.class),
          skippedWithReason(reason -> reason.startsWith("NOT RUN " + JqwikSuite.class.getName()
              + ": needs rabbitmq"))));
      events.assertStatistics(stats -> stats.started(1)); // the engine only
      assertThat(overridden.reported()).singleElement().asString().contains(JqwikSuite.class.getName());
    }
  }

  @Test
  void jqwikClassFailsWhenItsServerIsRequired() {
    try (Overridden overridden = new Overridden(
        new ServerGate.Settings(Set.of(GatedServer.RABBITMQ), NOTHING_AVAILABLE))) {
      Events events = EngineTestKit.engine("jqwik").selectors(selectClass(JqwikSuite.class)).execute().allEvents();
      events.assertThatEvents().haveExactly(1, event(container(JqwikSuite.class),
          finishedWithFailure(message(m -> m.contains("which TENANCY_TEST_REQUIRE requires")))));
      events.assertThatEvents().noneMatch(e -> test().matches(e) && e.getType().name().equals("FINISHED")
          && e.getPayload().isPresent() && "SUCCESSFUL".equals(String.valueOf(e.getPayload().get())));
      assertThat(overridden.reported()).isEmpty();
    }
  }

  @Test
  void jqwikClassRunsWhenItsServerIsAvailable() {
    try (Overridden overridden = new Overridden(
        new ServerGate.Settings(Set.of(), s -> Availability.available()))) {
      EngineTestKit.engine("jqwik").selectors(selectClass(JqwikSuite.class)).execute()
          .testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
      assertThat(overridden.reported()).isEmpty();
    }
  }

  /** Replaces the gate's settings for one test, and tells the test what was reported meanwhile. */
  private static final class Overridden implements AutoCloseable {
    Overridden(ServerGate.Settings settings) {
      ServerGate.override(settings);
    }

    List<String> reported() {
      return ServerGate.reported();
    }

    @Override
    public void close() {
      ServerGate.restore();
    }
  }

  /** A JUnit 5 suite gated on a Redis Cluster; run only through the engine test kit above. */
  @TenancyRedisCluster
  static class JUnitSuite {
    @Test
    void runs() {
      assertThat(1).isOne();
    }
  }

  /** A JUnit 5 suite gated on PgBouncer that does not ask for a fixture. */
  @TenancyPgBouncer
  static class PgBouncerSuite {
    @Test
    void runs() {
      assertThat(1).isOne();
    }
  }

  /** A jqwik suite gated on RabbitMQ; run only through the engine test kit above. */
  @TenancyRabbitMq
  static class JqwikSuite {
    @Example
    void runs() {
      assertThat(1).isOne();
    }
  }
}
