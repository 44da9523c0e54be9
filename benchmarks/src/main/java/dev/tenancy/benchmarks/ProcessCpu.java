package dev.tenancy.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

/**
 * CPU time spent so far by local server processes, read from {@code /proc} (Linux only, servers on this machine),
 * and by this JVM. With every core busy, where the CPU of one operation goes says what bounds its throughput.
 */
final class ProcessCpu {

  private static final long TICKS_PER_SECOND = clockTicksPerSecond();

  private ProcessCpu() {}

  /**
   * CPU microseconds (user + system) of every process with one of these command names so far, with that of their
   * ended children: PostgreSQL's backends end with their connections, and the postmaster collects their time.
   */
  static double micros(Set<String> names) throws IOException {
    long ticks = 0;
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
      for (Path process : processes) {
        String stat;
        try {
          stat = Files.readString(process.resolve("stat"), StandardCharsets.US_ASCII);
        } catch (IOException gone) {
          continue; // the process ended since the listing
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (!names.contains(stat.substring(open + 1, close))) {
          continue;
        }
        // Fields after the name, from the 3rd: state ppid ... utime (14th) stime (15th) cutime (16th) cstime (17th).
        String[] fields = stat.substring(close + 2).split(" ");
        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
            + Long.parseLong(fields[14]);
      }
    }
    return ticks * 1e6 / TICKS_PER_SECOND;
  }

  /** CPU microseconds (user + system) of one process so far, or 0 if it has ended. */
  static double pidMicros(long pid) {
    String stat;
    try {
      stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
    } catch (IOException gone) {
      return 0;
    }
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1e6 / TICKS_PER_SECOND;
  }

  /** CPU microseconds of this JVM's live threads whose names start with one of {@code prefixes}, so far. */
  static double threadMicros(String... prefixes) {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    double micros = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      for (String prefix : prefixes) {
        if (t.getName().startsWith(prefix)) {
          @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
          long id = t.getId();
          micros += Math.max(0, bean.getThreadCpuTime(id)) / 1e3;
          break;
        }
      }
    }
    return micros;
  }

  /** CPU microseconds of this JVM (all its threads, JIT and GC included), so far. */
  static double jvmMicros() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e3;
  }

  private static long clockTicksPerSecond() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (getconf.waitFor() != 0) {
        throw new IllegalStateException("getconf CLK_TCK failed: " + out);
      }
      return Long.parseLong(out);
    } catch (IOException e) {
      throw new IllegalStateException("getconf CLK_TCK failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking getconf for CLK_TCK", e);
    }
  }
}
