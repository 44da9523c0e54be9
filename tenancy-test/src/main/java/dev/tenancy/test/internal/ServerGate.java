package dev.tenancy.test.internal;

import dev.tenancy.test.TenancyPgBouncer;
import dev.tenancy.test.TenancyRabbitMq;
import dev.tenancy.test.TenancyRedisCluster;
import dev.tenancy.test.TestKitException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import net.jqwik.api.lifecycle.BeforeContainerHook;
import net.jqwik.api.lifecycle.ContainerLifecycleContext;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The one place that decides whether a suite needing a {@link GatedServer} runs on this machine.
 *
 * <p>Available: the suite runs. Not available and not named in {@value Env#REQUIRE}: the suite is disabled with the
 * reason and how to provide the server, the same line is printed at once and again in the summary
 * {@link ServerGateReport} prints at the end of the test run. Not available and required (or configured by a
 * variable that points at nothing): the suite fails with the reason. A test class opts in through its fixture
 * annotation ({@link TenancyPgBouncer}, {@link TenancyRedisCluster}, {@link TenancyRabbitMq}), which registers this
 * class both as a JUnit 5 {@link ExecutionCondition} and as a jqwik lifecycle hook. Thread-safe.
 */
public final class ServerGate implements ExecutionCondition, SkipExecutionHook, BeforeContainerHook {

  private static final Map<GatedServer, Class<? extends Annotation>> ANNOTATIONS = Map.of(
      GatedServer.PGBOUNCER, TenancyPgBouncer.class,
      GatedServer.REDIS_CLUSTER, TenancyRedisCluster.class,
      GatedServer.RABBITMQ, TenancyRabbitMq.class);
  private static final Map<GatedServer, Lazy<Availability>> PROBES = new EnumMap<>(GatedServer.class);
  private static final ConcurrentMap<String, String> REPORTED = new ConcurrentHashMap<>();
  private static volatile @Nullable Settings override;

  static {
    PROBES.put(GatedServer.PGBOUNCER, new Lazy<>(() -> PgBouncers.availability(System.getenv())));
    PROBES.put(GatedServer.REDIS_CLUSTER, new Lazy<>(() -> RedisClusters.availability(System.getenv())));
    PROBES.put(GatedServer.RABBITMQ, new Lazy<>(() -> RabbitMqs.availability(System.getenv())));
  }

  /** What the gate reads: the required servers and how to probe one; replaced in the kit's own tests. */
  record Settings(Set<GatedServer> required, Function<GatedServer, Availability> probe) {}

  /** What happens to a suite. */
  enum Verdict { RUN, REPORT, FAIL }

  /**
   * A decision and its message.
   *
   * @param verdict run, report or fail
   * @param message the line to print or the failure message; empty for RUN
   */
  record Decision(Verdict verdict, String message) {}

  /** Creates the gate; JUnit and jqwik call this. */
  public ServerGate() {}

  /**
   * Parses {@value Env#REQUIRE}.
   *
   * @param value the variable's value, or null
   * @return the servers it names ({@code all}: every one)
   * @throws IllegalArgumentException for an unknown name
   */
  static Set<GatedServer> required(@Nullable String value) {
    Set<GatedServer> required = EnumSet.noneOf(GatedServer.class);
    if (value == null || value.isBlank()) {
      return required;
    }
    for (String name : value.split(",")) {
      if (name.isBlank()) {
        continue;
      }
      if (name.trim().equalsIgnoreCase("all")) {
        required.addAll(EnumSet.allOf(GatedServer.class));
      } else {
        required.add(GatedServer.of(name));
      }
    }
    return required;
  }

  /**
   * Decides for one suite.
   *
   * @param suite the suite's name, for messages
   * @param servers the servers it needs
   * @param settings what is required and how to probe
   * @return the decision
   */
  static Decision decide(String suite, List<GatedServer> servers, Settings settings) {
    Decision result = new Decision(Verdict.RUN, "");
    for (GatedServer server : servers) {
      Availability availability = settings.probe().apply(server);
      switch (availability.state()) {
        case AVAILABLE -> { }
        case MISCONFIGURED -> {
          return new Decision(Verdict.FAIL, suite + " needs " + server.id() + ": " + availability.reason());
        }
        case UNAVAILABLE -> {
          if (settings.required().contains(server)) {
            return new Decision(Verdict.FAIL, suite + " needs " + server.id() + ", which " + Env.REQUIRE
                + " requires, but it is not available here: " + availability.reason() + ". To provide it, "
                + server.howToProvide() + ".");
          }
          if (result.verdict() == Verdict.RUN) {
            result = new Decision(Verdict.REPORT, "NOT RUN " + suite + ": needs " + server.id()
                + ", not available here (" + availability.reason() + "). To run it, " + server.howToProvide()
                + ". " + Env.REQUIRE + "=" + server.id() + " (or all) turns this into a failure.");
          }
        }
      }
    }
    return result;
  }

  /**
   * Returns the lines of every suite reported so far, in no particular order.
   *
   * @return the lines
   */
  static List<String> reported() {
    return new ArrayList<>(REPORTED.values());
  }

  /**
   * Replaces what the gate reads until {@link #restore()}; for the kit's own tests.
   *
   * @param settings the settings to use
   */
  static void override(Settings settings) {
    override = settings;
  }

  /** Goes back to the environment's settings and forgets the suites reported meanwhile. */
  static void restore() {
    override = null;
    REPORTED.clear();
  }

  private static Settings settings() {
    return new Settings(required(Env.get(System.getenv(), Env.REQUIRE)), server -> Objects.requireNonNull(PROBES.get(server), server.id()).get());
  }

  private static Decision decide(AnnotatedElement element) {
    List<GatedServer> servers = new ArrayList<>();
    ANNOTATIONS.forEach((server, annotation) -> {
      if (AnnotationSupport.isAnnotated(element, annotation)) {
        servers.add(server);
      }
    });
    if (servers.isEmpty()) {
      return new Decision(Verdict.RUN, "");
    }
    servers.sort(null);
    String suite = element instanceof Class<?> c ? c.getName() : String.valueOf(element);
    Settings overridden = override;
    Decision decision = decide(suite, servers, overridden != null ? overridden : settings());
    // The kit's own tests of the gate read reported() instead: their sample suites stay out of the build output.
    if (decision.verdict() == Verdict.REPORT && REPORTED.putIfAbsent(suite, decision.message()) == null
        && overridden == null) {
      // On a line of its own: jqwik prints a line without a line break at the start of each run.
      System.out.println(System.lineSeparator() + "[tenancy-test] " + decision.message());
    }
    return decision;
  }

  /**
   * Decides for a JUnit 5 class or method carrying a gated fixture annotation.
   *
   * @param context the extension context
   * @return enabled, or disabled with the reason and how to provide the server
   * @throws TestKitException when a required server is not available
   */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<AnnotatedElement> element = context.getElement();
    if (element.isEmpty()) {
      return ConditionEvaluationResult.enabled("no element");
    }
    Decision decision = decide(element.get());
    return switch (decision.verdict()) {
      case RUN -> ConditionEvaluationResult.enabled("its servers are available");
      case REPORT -> ConditionEvaluationResult.disabled(decision.message());
      case FAIL -> throw new TestKitException(decision.message());
    };
  }

  /**
   * Decides for a jqwik container carrying a gated fixture annotation.
   *
   * @param context the lifecycle context
   * @return skip with the reason and how to provide the server, or do not skip
   */
  @Override
  public SkipResult shouldBeSkipped(LifecycleContext context) {
    Optional<AnnotatedElement> element = context.optionalElement();
    if (element.isEmpty()) {
      return SkipResult.doNotSkip();
    }
    Decision decision = decide(element.get());
    // A failure is raised in beforeContainer: jqwik reports an exception there as the container's failure.
    return decision.verdict() == Verdict.REPORT ? SkipResult.skip(decision.message()) : SkipResult.doNotSkip();
  }

  /**
   * Fails a jqwik container whose required server is not available.
   *
   * @param context the container's context
   * @throws TestKitException when a required server is not available
   */
  @Override
  public void beforeContainer(ContainerLifecycleContext context) {
    Optional<AnnotatedElement> element = context.optionalElement();
    if (element.isPresent()) {
      Decision decision = decide(element.get());
      if (decision.verdict() == Verdict.FAIL) {
        throw new TestKitException(decision.message());
      }
    }
  }

  /**
   * Runs before the container's own {@code @BeforeContainer} methods, so a missing server fails with its reason
   * rather than with the first fixture's error.
   *
   * @return a proximity outside the class's own hooks
   */
  @Override
  public int beforeContainerProximity() {
    return -100;
  }
}
