package dev.tenancy.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The generic cell rate algorithm on one {@code long} per key: the theoretical arrival time (TAT) of the next
 * permit. A key that has never been used, or whose TAT is in the past, has its full burst.
 *
 * <p>Why GCRA and not a two-field token bucket: it is the same admission rule (a bucket of {@code limit} permits
 * refilled one per interval) kept in one number, so the local limiter is a single compare-and-set and the Redis
 * limiter a single {@code GET}/{@code SET} per level, and remaining, reset and retry-after fall out exactly.
 */
final class Gcra {

  /** The TAT of a key that has never been used. */
  static final long EMPTY = Long.MIN_VALUE;

  /** What {@link #take} returns for a denial; never a TAT, which is at least the current time. */
  static final long DENIED = Long.MIN_VALUE;

  private Gcra() {}

  /**
   * Takes {@code permits} from the cell if the rate allows.
   *
   * @return the new TAT when admitted, else {@link #DENIED}
   */
  static long take(AtomicLong cell, long now, long permits, long interval, long tolerance) {
    long cost = permits * interval;
    for (;;) {
      long tat = cell.get();
      long base = Math.max(tat, now);
      long newTat = base + cost;
      long allowAt = newTat - tolerance;
      if (allowAt > now) {
        return DENIED;
      }
      if (cell.compareAndSet(tat, newTat)) {
        return newTat;
      }
    }
  }

  /** The time until {@code permits} would be admitted, judged from the cell's current TAT. */
  static long wait(AtomicLong cell, long now, long permits, long interval, long tolerance) {
    long allowAt = Math.max(cell.get(), now) + permits * interval - tolerance;
    return Math.max(0, allowAt - now);
  }

  /** Gives back permits taken by {@link #take} when a later level denied the same decision. */
  static void giveBack(AtomicLong cell, long permits, long interval) {
    cell.getAndAdd(-permits * interval);
  }

  /** The permits left when the TAT is {@code tat}. */
  static long remaining(long tat, long now, long interval, long tolerance) {
    long used = Math.max(0, tat - now);
    return Math.max(0, (tolerance - used) / interval);
  }

  /** The TAT currently in the cell, for a denied request's remaining and reset. */
  static long peek(AtomicLong cell, long now) {
    return Math.max(cell.get(), now);
  }
}
