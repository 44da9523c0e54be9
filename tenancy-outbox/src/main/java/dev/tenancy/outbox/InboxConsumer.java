package dev.tenancy.outbox;

/** A running consumer made by {@link Inbox}; closing it stops consuming. Thread-safe. */
public interface InboxConsumer extends AutoCloseable {

  /**
   * How many messages this consumer handled (first deliveries whose handler ran) so far.
   *
   * @return the count
   */
  long handled();

  /**
   * How many deliveries were duplicates the inbox skipped so far.
   *
   * @return the count
   */
  long duplicates();

  /** Stops consuming; messages in flight finish or are delivered again later. Idempotent. */
  @Override
  void close();
}
