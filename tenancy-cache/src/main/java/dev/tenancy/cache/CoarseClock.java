package dev.tenancy.cache;

/**
 * A clock for expiry checks on the in-process hit path, read with one volatile load. {@link System#nanoTime()}
 * costs tens of nanoseconds on some virtual machines (more than the rest of a hit); this clock is advanced by one
 * daemon thread every 2 ms, so expiry is checked with a precision of a few milliseconds (later if that thread is
 * starved of CPU): an entry may outlive its TTL by that much, never the other way round.
 */
final class CoarseClock {

  private static volatile long now = System.nanoTime();

  static {
    Thread ticker = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        now = System.nanoTime();
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "tenancy-cache-clock");
    ticker.setDaemon(true);
    ticker.start();
  }

  private CoarseClock() {}

  /** Returns a recent value of {@link System#nanoTime()}, at most a few milliseconds old. */
  static long nanoTime() {
    return now;
  }
}
