package dev.tenancy.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the methods of one benchmark class in interleaved rounds — each round runs every method once, in a
 * shuffled order, each in a fresh fork — and reports each method's throughput against the first method's in the
 * same round. On a shared machine throughput drifts by tens of percent over minutes; running the methods one
 * after another (JMH's order) turns that drift into a false ratio, interleaving spreads it over all of them.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.InterleavedRounds \
 *     RlsOverheadBenchmark explicitWhere,rlsTransactionBound,rlsHandWrittenSameRoundTrip 5 4 target=direct
 * </pre>
 *
 * Arguments: the benchmark class, its methods (the first is the baseline), rounds, threads, then any
 * {@code name=value} parameters, and optionally {@code --same-jvm}.
 *
 * <p>With {@code --same-jvm} every run happens in this JVM (JMH's {@code -f 0}): each method is warmed up fully
 * once, then the rounds run short slices back to back — about 6 s a method instead of 25 s — so that a round spans
 * less of the machine's drift and more rounds fit in the same time. The methods then share one JIT profile, as
 * the code paths of one application do.
 */
public final class InterleavedRounds {

  private InterleavedRounds() {}

  public static void main(String[] args) throws RunnerException {
    if (args.length < 4) {
      throw new IllegalArgumentException("usage: InterleavedRounds <class> <baseline,method,...> <rounds> "
          + "<threads> [param=value ...]");
    }
    String benchmark = args[0];
    List<String> methods = List.of(args[1].split(","));
    int rounds = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(4, args.length));
    boolean sameJvm = rest.remove("--same-jvm");
    String[] params = rest.toArray(new String[0]);
    java.util.Set<String> warmedUp = new java.util.HashSet<>();

    Map<String, List<Double>> throughput = new LinkedHashMap<>();
    Map<String, List<Double>> ratios = new LinkedHashMap<>();
    for (String method : methods) {
      throughput.put(method, new ArrayList<>());
      ratios.put(method, new ArrayList<>());
    }
    for (int round = 1; round <= rounds; round++) {
      List<String> order = new ArrayList<>(methods);
      Collections.shuffle(order, new Random(round));
      Map<String, Double> scores = new LinkedHashMap<>();
      for (String method : order) {
        // The JDBC paths take 10-15 s to reach full speed when 4 threads share 2 cores with the server.
        boolean warm = sameJvm && !warmedUp.add(method);
        ChainedOptionsBuilder options = new OptionsBuilder()
            .include(benchmark + "\\." + method + "$")
            .threads(threads)
            .forks(sameJvm ? 0 : 1)
            .warmupIterations(warm ? 1 : 5).warmupTime(TimeValue.seconds(warm ? 2 : 3))
            .measurementIterations(warm ? 2 : 3).measurementTime(TimeValue.seconds(2))
            .timeUnit(TimeUnit.SECONDS)
            .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT);
        for (String param : params) {
          String[] pair = param.split("=", 2);
          options.param(pair[0], pair[1]);
        }
        RunResult result = new Runner(options.build()).runSingle();
        double score = result.getPrimaryResult().getScore();
        scores.put(method, score);
        present(throughput, method).add(score);
        System.out.printf("round %d  %-32s %10.0f ops/s%n", round, method, score);
      }
      double baseline = present(scores, methods.get(0));
      for (String method : methods) {
        present(ratios, method).add(present(scores, method) / baseline);
      }
    }
    System.out.printf("%n%s, %d thread(s) %s, %d interleaved rounds%s; ratio = method / %s in the same round%n",
        benchmark, threads, String.join(" ", params), rounds, sameJvm ? " in one JVM" : ", a fork per run",
        methods.get(0));
    System.out.printf("%-32s %12s %14s   %s%n", "method", "median ops/s", "median ratio", "ratios per round");
    for (String method : methods) {
      StringBuilder perRound = new StringBuilder();
      for (double ratio : present(ratios, method)) {
        perRound.append(String.format("%.3f ", ratio));
      }
      System.out.printf("%-32s %12.0f %14.3f   %s%n", method, median(present(throughput, method)),
          median(present(ratios, method)), perRound.toString().trim());
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Looks up a key every caller put in before; a missing one is a bug in this class. */
  private static <V> V present(java.util.Map<String, V> map, String key) {
    return java.util.Objects.requireNonNull(map.get(key), key);
  }
}
