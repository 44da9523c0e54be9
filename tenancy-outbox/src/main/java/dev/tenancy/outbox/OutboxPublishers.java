package dev.tenancy.outbox;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The publishers that come with the module.
 *
 * <p>Every message carries the fields (Redis) or headers (RabbitMQ) {@code tenancy-event-id},
 * {@code tenancy-tenant}, {@code tenancy-topic}, {@code tenancy-key}, {@code tenancy-content-type} and
 * {@code tenancy-created-at}, plus the event's own headers; {@link Inbox} consumers read them back.
 */
public final class OutboxPublishers {
  private static final Pattern PREFIX = Pattern.compile("[ -~]{0,100}");

  private OutboxPublishers() {
  }

  /**
   * A publisher that appends each message to the Redis stream {@code streamPrefix + topic} with {@code XADD},
   * pipelining a batch on one connection (Lettuce, needs {@code io.lettuce:lettuce-core}). The payload is the field
   * {@code tenancy-payload}. Redis 7 has no idempotent {@code XADD}, so a message re-sent after a relay crash is a
   * second stream entry with the same {@code tenancy-event-id}: consumers de-duplicate with {@link Inbox}.
   *
   * @param redisUri for example {@code redis://127.0.0.1:6379}
   * @param streamPrefix prepended to the topic to form the stream key, up to 100 printable ASCII characters
   * @return the publisher; close it (the relay's {@code close()} does)
   * @throws IllegalArgumentException if the prefix is invalid
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public static OutboxPublisher redisStreams(String redisUri, String streamPrefix) {
    Objects.requireNonNull(redisUri, "redisUri");
    return new RedisStreamsPublisher(redisUri, prefix(streamPrefix));
  }

  /**
   * A publisher that sends persistent messages to {@code exchange} with the topic as routing key and the event id
   * as AMQP {@code message-id}, and waits for publisher confirms per batch (needs
   * {@code com.rabbitmq:amqp-client}). A batch that is not confirmed counts as failed as a whole.
   *
   * @param amqpUri for example {@code amqp://guest:guest@127.0.0.1:5672}
   * @param exchange an existing exchange
   * @return the publisher; close it (the relay's {@code close()} does)
   * @throws java.io.UncheckedIOException if RabbitMQ cannot be reached
   * @throws IllegalArgumentException if the URI is invalid
   */
  public static OutboxPublisher rabbitMq(String amqpUri, String exchange) {
    Objects.requireNonNull(amqpUri, "amqpUri");
    Objects.requireNonNull(exchange, "exchange");
    return new RabbitMqPublisher(amqpUri, exchange);
  }

  /**
   * A publisher that keeps messages in memory, for tests.
   *
   * @return a new, empty publisher
   */
  public static InMemoryOutboxPublisher inMemory() {
    return new InMemoryOutboxPublisher();
  }

  private static String prefix(String streamPrefix) {
    Objects.requireNonNull(streamPrefix, "streamPrefix");
    if (!PREFIX.matcher(streamPrefix).matches()) {
      throw new IllegalArgumentException("streamPrefix must be up to 100 printable ASCII characters but was '"
          + OutboxEvent.printable(streamPrefix) + "'");
    }
    return streamPrefix;
  }
}
