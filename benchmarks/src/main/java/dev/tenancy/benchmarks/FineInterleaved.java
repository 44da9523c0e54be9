package dev.tenancy.benchmarks;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cross-check of {@link InterleavedRounds} for machines too loaded for slices of seconds: the methods of one
 * benchmark take turns in blocks of a few milliseconds (all threads run the same method in a block, between two
 * barriers), for a given time, so that every method sees the same load from the rest of the machine. Reports each
 * method's throughput (operations over the wall time of its blocks) and its ratio to the first method, per fifth
 * of the run and overall.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tenancy.benchmarks.FineInterleaved \
 *     RateLimitBenchmark rawLettuceGet,bucket4jLettuce,tenantLimiterRedis 4 60 200 tenants=1
 * </pre>
 *
 * Arguments: the benchmark class (a JMH {@code @State} class of this package with a public no-argument
 * constructor, public {@code @Param} fields, one {@code @Setup} and one {@code @TearDown} method), its methods
 * (the first is the baseline), threads, seconds, operations per thread per block, then {@code name=value} fields.
 */
public final class FineInterleaved {

  private FineInterleaved() {}

  public static void main(String[] args) throws Exception {
    Class<?> type = Class.forName(FineInterleaved.class.getPackageName() + "." + args[0]);
    List<String> names = List.of(args[1].split(","));
    int threads = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    int block = Integer.parseInt(args[4]);
    Object state = type.getConstructor().newInstance();
    for (String pair : Arrays.asList(args).subList(5, args.length)) {
      String[] kv = pair.split("=", 2);
      java.lang.reflect.Field field = type.getField(kv[0]);
      field.set(state, field.getType() == int.class ? (Object) Integer.parseInt(kv[1]) : kv[1]);
    }
    type.getMethod("setUp").invoke(state);
    Method[] methods = new Method[names.size()];
    for (int i = 0; i < methods.length; i++) {
      methods[i] = type.getMethod(names.get(i));
    }
    int parts = 5;
    long[][] nanos = new long[parts][methods.length];
    long[][] ops = new long[parts][methods.length];
    // warm-up: 10 s of the same rotation, not recorded
    run(state, methods, threads, block, 10_000_000_000L, new long[1][methods.length], new long[1][methods.length], 1);
    run(state, methods, threads, block, seconds * 1_000_000_000L, nanos, ops, parts);
    type.getMethod("tearDown").invoke(state);
    System.out.printf("%s, %d thread(s) %s, %d s in blocks of %d ops per thread; ratio = method / %s%n", args[0],
        threads, String.join(" ", Arrays.asList(args).subList(5, args.length)), seconds, block, names.get(0));
    System.out.printf("%-24s %12s %8s   %s%n", "method", "ops/s", "ratio", "ratio per fifth of the run");
    for (int m = 0; m < methods.length; m++) {
      long n = 0;
      long t = 0;
      long n0 = 0;
      long t0 = 0;
      StringBuilder perPart = new StringBuilder();
      for (int p = 0; p < parts; p++) {
        n += ops[p][m];
        t += nanos[p][m];
        n0 += ops[p][0];
        t0 += nanos[p][0];
        perPart.append(String.format("%.3f ", rate(ops[p][m], nanos[p][m]) / rate(ops[p][0], nanos[p][0])));
      }
      System.out.printf("%-24s %12.0f %8.3f   %s%n", names.get(m), rate(n, t), rate(n, t) / rate(n0, t0),
          perPart.toString().trim());
    }
  }

  private static double rate(long ops, long nanos) {
    return ops / (nanos / 1e9);
  }

  private static void run(Object state, Method[] methods, int threads, int block, long duration, long[][] nanos,
      long[][] ops, int parts) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    long[] blockStart = new long[1];
    int[] current = new int[1];
    boolean[] stop = new boolean[1];
    // The barrier action runs once per block, on the last thread to arrive: it closes the block just run and
    // chooses the next method.
    List<Integer> order = new ArrayList<>();
    Random random = new Random(42);
    int[] cursor = {0};
    CyclicBarrier step = new CyclicBarrier(threads, () -> {
      long now = System.nanoTime();
      if (blockStart[0] != 0) {
        int part = (int) Math.min(parts - 1, (blockStart[0] - start) * parts / duration);
        nanos[part][current[0]] += now - blockStart[0];
        ops[part][current[0]] += (long) block * threads;
      }
      if (now - start > duration) {
        stop[0] = true;
        return;
      }
      if (cursor[0] == order.size()) {
        order.clear();
        for (int m = 0; m < methods.length; m++) {
          order.add(m);
        }
        Collections.shuffle(order, random);
        cursor[0] = 0;
      }
      current[0] = order.get(cursor[0]++);
      blockStart[0] = System.nanoTime();
    });
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          barrier.await();
          while (true) {
            step.await();
            if (stop[0]) {
              return;
            }
            Method method = methods[current[0]];
            for (int i = 0; i < block; i++) {
              method.invoke(state);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
          barrier.reset();
          step.reset();
        }
      });
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a benchmark thread failed", failure.get());
    }
  }
}
