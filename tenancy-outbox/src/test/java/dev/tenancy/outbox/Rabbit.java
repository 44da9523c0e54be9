package dev.tenancy.outbox;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.tenancy.test.TestRabbitMq;

/** The RabbitMQ server of the tests and unique names on it. */
final class Rabbit {
  private Rabbit() {
  }

  static String uri() {
    return TestRabbitMq.shared().uri();
  }

  static String name(String suffix) {
    return TestRabbitMq.shared().name(suffix);
  }

  /** Declares a topic exchange and a queue bound to every routing key; returns {exchange, queue}. */
  static String[] declare(String suffix) throws Exception {
    String exchange = name(suffix + "-x");
    String queue = name(suffix + "-q");
    try (Connection c = factory().newConnection(); Channel ch = c.createChannel()) {
      ch.exchangeDeclare(exchange, "topic", false, false, null);
      ch.queueDeclare(queue, true, false, false, null);
      ch.queueBind(queue, exchange, "#");
    }
    return new String[] {exchange, queue};
  }

  static void delete(String[] names) throws Exception {
    try (Connection c = factory().newConnection(); Channel ch = c.createChannel()) {
      ch.queueDelete(names[1]);
      ch.exchangeDelete(names[0]);
    }
  }

  static long messageCount(String queue) throws Exception {
    try (Connection c = factory().newConnection(); Channel ch = c.createChannel()) {
      return ch.messageCount(queue);
    }
  }

  private static ConnectionFactory factory() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri());
    return f;
  }
}
