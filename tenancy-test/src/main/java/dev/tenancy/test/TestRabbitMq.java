package dev.tenancy.test;

import dev.tenancy.test.internal.Names;
import dev.tenancy.test.internal.RabbitMqs;
import java.util.Objects;

/**
 * The JVM's RabbitMQ broker: {@code TENANCY_TEST_RABBITMQ_URL}, else {@code amqp://guest:guest@127.0.0.1:5672} if
 * it answers. The kit does not start a broker; a class that needs one is gated through {@link TenancyRabbitMq}.
 *
 * <p>Tests share the broker: declare queues and exchanges under names from {@link #name(String)} and delete them
 * afterwards. Immutable and thread-safe.
 */
public final class TestRabbitMq {
  private final String uri;

  private TestRabbitMq(String uri) {
    this.uri = uri;
  }

  /**
   * Returns the JVM's broker, checked on first use to answer AMQP 0-9-1.
   *
   * @return the broker
   * @throws IllegalStateException when no broker answers; the message says how to provide one
   */
  public static TestRabbitMq shared() {
    return new TestRabbitMq(RabbitMqs.shared());
  }

  /**
   * Returns the broker's AMQP URI, including credentials, e.g. {@code amqp://guest:guest@127.0.0.1:5672}.
   *
   * @return the broker's AMQP URI, including credentials, e.g. {@code amqp://guest:guest@127.0.0.1:5672}
   */
  public String uri() {
    return uri;
  }

  /**
   * Returns a queue or exchange name no other test uses.
   *
   * @param suffix what the name is for, e.g. {@code outbox}
   * @return {@code tenancy-test-<random hex>-<suffix>}, different on every call
   */
  public String name(String suffix) {
    return "tenancy-test-" + Names.hex(12) + "-" + Objects.requireNonNull(suffix, "suffix");
  }

  @Override
  public String toString() {
    return "TestRabbitMq[" + uri.replaceFirst("://([^:@/]*):[^@/]*@", "://$1:***@") + "]";
  }
}
