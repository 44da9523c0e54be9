package dev.tenancy.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Where the time of one operation goes: the CPU the client threads spend per operation, and the CPU the database
 * server's processes ({@code postgres}, and {@code pgbouncer} when it is in the path) spend per operation, read
 * from {@code /proc}. Throughput on a shared machine drifts with what else runs; CPU per operation moves less,
 * and with every core busy the throughput ratio of two methods follows the inverse ratio of their total CPU.
 * Linux only, with the server on the same machine; the server's background processes are counted too.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.CpuPerTransaction \
 *     RlsOverheadBenchmark explicitWhere,rlsTransactionBound,rlsHandWrittenSameRoundTrip 7 4 target=direct
 * </pre>
 *
 * Arguments as for {@link InterleavedRounds}: the benchmark class, its methods (the first is the baseline),
 * rounds, threads, then {@code name=value} parameters. The class's {@code @Setup} and {@code @TearDown} methods
 * run once; each method runs once unmeasured for 5 s to warm up, then in every round, in a shuffled order, for
 * 4 s. Methods run here without JMH, in one JVM, so they share one JIT profile.
 */
public final class CpuPerTransaction {

  private static final long WARM_UP_NANOS = 5_000_000_000L;
  private static final long SLICE_NANOS = 4_000_000_000L;
  private static final Set<String> SERVER_PROCESSES = Set.of("postgres", "pgbouncer");

  private CpuPerTransaction() {}

  /** One slice of one method: operations per second, client and server CPU microseconds per operation. */
  private static final class Slice {
    final double throughput;
    final double clientMicros;
    final double serverMicros;

    Slice(double throughput, double clientMicros, double serverMicros) {
      this.throughput = throughput;
      this.clientMicros = clientMicros;
      this.serverMicros = serverMicros;
    }

    double totalMicros() {
      return clientMicros + serverMicros;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      throw new IllegalArgumentException("usage: CpuPerTransaction <class> <baseline,method,...> <rounds> "
          + "<threads> [param=value ...]");
    }
    Class<?> type = Class.forName(CpuPerTransaction.class.getPackageName() + "." + args[0]);
    List<String> methods = List.of(args[1].split(","));
    int rounds = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    List<String> params = Arrays.asList(args).subList(4, args.length);

    Object state = type.getConstructor().newInstance();
    for (String param : params) {
      String[] pair = param.split("=", 2);
      Field field = type.getField(pair[0]);
      field.set(state, pair[1]);
    }
    invokeAnnotated(type, state, Setup.class);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Map<String, List<Slice>> slices = new LinkedHashMap<>();
    try {
      for (String method : methods) {
        run(type.getMethod(method), state, pool, threads, WARM_UP_NANOS);
        slices.put(method, new ArrayList<>());
      }
      for (int round = 1; round <= rounds; round++) {
        List<String> order = new ArrayList<>(methods);
        Collections.shuffle(order, new Random(round));
        for (String method : order) {
          Slice slice = run(type.getMethod(method), state, pool, threads, SLICE_NANOS);
          present(slices, method).add(slice);
          System.out.printf("round %d  %-40s %8.0f ops/s  client %6.1f µs/op  server %6.1f µs/op%n", round, method,
              slice.throughput, slice.clientMicros, slice.serverMicros);
        }
      }
    } finally {
      pool.shutdownNow();
      invokeAnnotated(type, state, TearDown.class);
    }

    System.out.printf("%n%s, %d thread(s) %s, %d interleaved rounds; medians; ratios against %s%n", args[0], threads,
        String.join(" ", params), rounds, methods.get(0));
    System.out.printf("%-40s %10s %10s %10s %10s %10s %12s%n", "method", "ops/s", "ratio", "client µs", "server µs",
        "total µs", "CPU ratio");
    List<Slice> baseline = present(slices, methods.get(0));
    double baseThroughput = median(baseline, s -> s.throughput);
    double baseTotal = median(baseline, Slice::totalMicros);
    for (String method : methods) {
      List<Slice> own = present(slices, method);
      double total = median(own, Slice::totalMicros);
      System.out.printf("%-40s %10.0f %10.3f %10.1f %10.1f %10.1f %12.3f%n", method, median(own, s -> s.throughput),
          median(own, s -> s.throughput) / baseThroughput, median(own, s -> s.clientMicros),
          median(own, s -> s.serverMicros), total, baseTotal / total);
    }
    System.out.println("CPU ratio = baseline total CPU per operation / the method's: the throughput ratio to expect "
        + "when the cores are saturated.");
  }

  private static Slice run(Method method, Object state, ExecutorService pool, int threads, long nanos)
      throws Exception {
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    double serverBefore = ProcessCpu.micros(SERVER_PROCESSES);
    long start = System.nanoTime();
    long deadline = start + nanos;
    List<Future<long[]>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        long cpuBefore = bean.getCurrentThreadCpuTime();
        long operations = 0;
        while (System.nanoTime() < deadline) {
          try {
            method.invoke(state);
          } catch (InvocationTargetException e) {
            throw new IllegalStateException(method.getName() + " failed", e.getCause());
          }
          operations++;
        }
        return new long[] {operations, bean.getCurrentThreadCpuTime() - cpuBefore};
      }));
    }
    long operations = 0;
    long clientNanos = 0;
    for (Future<long[]> future : futures) {
      long[] result = future.get();
      operations += result[0];
      clientNanos += result[1];
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double serverMicros = ProcessCpu.micros(SERVER_PROCESSES) - serverBefore;
    return new Slice(operations / seconds, clientNanos / 1e3 / operations, serverMicros / operations);
  }

  private static void invokeAnnotated(Class<?> type, Object state, Class<? extends java.lang.annotation.Annotation>
      annotation) throws ReflectiveOperationException {
    for (Method method : type.getMethods()) {
      if (method.isAnnotationPresent(annotation)) {
        method.invoke(state);
      }
    }
  }

  private static double median(List<Slice> slices, ToDoubleFunction<Slice> value) {
    List<Double> values = new ArrayList<>();
    for (Slice slice : slices) {
      values.add(value.applyAsDouble(slice));
    }
    return InterleavedRounds.median(values);
  }

  /** Looks up a key every caller put in before; a missing one is a bug in this class. */
  private static <V> V present(java.util.Map<String, V> map, String key) {
    return java.util.Objects.requireNonNull(map.get(key), key);
  }
}
