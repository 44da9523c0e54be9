package dev.tenancy.outbox;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/** Publishes persistent messages to one exchange, routing key = topic, and waits for publisher confirms. */
final class RabbitMqPublisher implements OutboxPublisher {
  private static final long CONFIRM_TIMEOUT_MILLIS = 30_000;

  private final Connection connection;
  private final Channel channel;
  private final String exchange;

  RabbitMqPublisher(String amqpUri, String exchange) {
    try {
      ConnectionFactory f = new ConnectionFactory();
      f.setUri(amqpUri);
      this.connection = f.newConnection("tenancy-outbox-relay");
      this.channel = connection.createChannel();
      channel.confirmSelect();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to RabbitMQ at " + redact(amqpUri), e);
    } catch (TimeoutException | java.net.URISyntaxException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot connect to RabbitMQ at " + redact(amqpUri) + ": " + e, e);
    }
    this.exchange = exchange;
  }

  @Override
  public synchronized Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
    try {
      for (OutboxMessage m : batch) {
        Map<String, Object> headers = new HashMap<>(m.headers());
        headers.put(Wire.TENANT, m.tenant().value());
        headers.put(Wire.TOPIC, m.topic());
        headers.put(Wire.KEY, m.key());
        headers.put(Wire.CREATED_AT, m.createdAt().toString());
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
            .messageId(m.eventId().toString())
            .contentType(m.contentType())
            .deliveryMode(2)
            .headers(headers)
            .build();
        channel.basicPublish(exchange, m.topic(), props, m.payloadUnsafe());
      }
      channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
      return Map.of();
    } catch (IOException | TimeoutException | RuntimeException e) {
      Map<UUID, Exception> failures = new HashMap<>();
      for (OutboxMessage m : batch) {
        failures.put(m.eventId(), e);
      }
      return failures;
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (IOException | RuntimeException e) {
      // closing: nothing left to do with the error
    }
  }

  static String redact(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

  @Override
  public String toString() {
    return "RabbitMqPublisher[" + exchange + "]";
  }
}
