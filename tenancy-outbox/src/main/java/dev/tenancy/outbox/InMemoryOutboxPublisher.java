package dev.tenancy.outbox;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * An {@link OutboxPublisher} that keeps published messages in memory, for tests. It can be told to fail messages,
 * to exercise retries and parking; a failed message also fails the later messages of its key in the same batch.
 * Thread-safe.
 */
public final class InMemoryOutboxPublisher implements OutboxPublisher {
  private final List<OutboxMessage> published = new ArrayList<>();
  private volatile Predicate<OutboxMessage> failWhen = m -> false;

  InMemoryOutboxPublisher() {
  }

  /**
   * Makes every message matching {@code condition} fail from now on.
   *
   * @param condition which messages fail; {@code m -> false} to stop failing
   */
  public void failWhen(Predicate<OutboxMessage> condition) {
    failWhen = Objects.requireNonNull(condition, "condition");
  }

  /**
   * Every message published so far, in publication order (duplicates included).
   *
   * @return a snapshot copy
   */
  public synchronized List<OutboxMessage> published() {
    return List.copyOf(published);
  }

  /** Forgets the messages published so far. */
  public synchronized void clear() {
    published.clear();
  }

  /**
   * Records the messages, except those that match the failure condition (and later ones of their key).
   *
   * @param batch the messages
   * @return the failed ones
   */
  @Override
  public synchronized Map<UUID, Exception> publish(List<OutboxMessage> batch) {
    Map<UUID, Exception> failures = new HashMap<>();
    Set<String> failedKeys = new HashSet<>();
    Predicate<OutboxMessage> fail = failWhen;
    for (OutboxMessage m : batch) {
      if (failedKeys.contains(m.key())) {
        failures.put(m.eventId(), new IllegalStateException("an earlier message of key " + m.key() + " failed"));
      } else if (fail.test(m)) {
        failedKeys.add(m.key());
        failures.put(m.eventId(), new IllegalStateException("configured to fail " + m.eventId()));
      } else {
        published.add(m);
      }
    }
    return failures;
  }
}
