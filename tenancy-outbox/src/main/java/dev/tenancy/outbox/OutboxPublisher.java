package dev.tenancy.outbox;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Sends a batch of outbox messages to a broker; the relay's only link to it. Implementations in this module:
 * {@link OutboxPublishers#redisStreams(String, String)}, {@link OutboxPublishers#rabbitMq(String, String)} and
 * {@link OutboxPublishers#inMemory()}.
 *
 * <p>A batch holds one tenant's messages in append order, and the relay calls {@code publish} with that tenant in
 * {@link dev.tenancy.TenantContext}, so logs and traces written by the publisher carry it. A message counts as
 * published when {@code publish} returns without listing it as failed; the relay then deletes it from the outbox.
 * Delivery is at least once: after a crash between sending and the relay's commit the message is sent again, with
 * the same {@link OutboxMessage#eventId()}. Implementations should not send a message after an earlier message of
 * the same key in the batch failed, so that retries keep per-key order. The relay calls {@code publish} from its
 * worker threads, possibly concurrently; implementations must be thread-safe.
 */
public interface OutboxPublisher extends AutoCloseable {

  /**
   * Publishes the messages and reports which ones failed.
   *
   * @param batch one tenant's messages, in append order
   * @return the failed messages' ids with the reason; empty when all were published
   * @throws InterruptedException if the thread was interrupted while waiting for the broker (the relay is
   *     shutting down); the whole batch then counts as unpublished and is not retried as a failure
   */
  Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException;

  /** Releases the publisher's connections; the default does nothing. */
  @Override
  default void close() {
  }
}
