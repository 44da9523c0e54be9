package dev.tenancy.benchmarks;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantExecutors;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the tenant context beside the raw {@link ThreadLocal} it is built on.
 *
 * <p>Pairs: {@code contextCurrent} vs {@code rawThreadLocalGet} (goal: within 1.5x); {@code scopeOpenClose}
 * (which also maintains the SLF4J MDC, with Logback's adapter, and checks the current span) vs
 * {@code rawThreadLocalSetRestore} (goal: under 100 ns); {@code wrappedExecutorHop} vs {@code rawExecutorHop}
 * (submit to a single-thread executor and wait for the result).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TenantContextBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TenantContextBenchmark {

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private final ThreadLocal<String> raw = new ThreadLocal<>();
  private TenantScope outer;
  private ExecutorService rawExecutor;
  private ExecutorService wrappedExecutor;

  @Setup(Level.Trial)
  public void setUp() {
    // Both reads are measured with a value bound, as in a request.
    raw.set("acme");
    outer = TenantContext.open(ACME);
    rawExecutor = Executors.newSingleThreadExecutor();
    wrappedExecutor = TenantExecutors.wrap(Executors.newSingleThreadExecutor());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    outer.close();
    raw.remove();
    rawExecutor.shutdownNow();
    wrappedExecutor.shutdownNow();
  }

  @Benchmark
  public String rawThreadLocalGet() {
    return raw.get();
  }

  @Benchmark
  public Optional<TenantId> contextCurrent() {
    return TenantContext.current();
  }

  @Benchmark
  public TenantId contextRequire() {
    return TenantContext.require();
  }

  @Benchmark
  public String rawThreadLocalSetRestore() {
    String previous = raw.get();
    raw.set("globex");
    String seen = raw.get();
    raw.set(previous);
    return seen;
  }

  @Benchmark
  public TenantId scopeOpenClose() {
    try (TenantScope scope = TenantContext.open(GLOBEX)) {
      return TenantContext.require();
    }
  }

  @Benchmark
  public Object rawExecutorHop() throws ExecutionException, InterruptedException {
    return rawExecutor.submit(raw::get).get();
  }

  @Benchmark
  public Object wrappedExecutorHop() throws ExecutionException, InterruptedException {
    return wrappedExecutor.submit(TenantContext::current).get();
  }
}
