package dev.tenancy.outbox;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** basicConsume with manual acknowledgements; each delivery goes through the inbox before it is acknowledged. */
final class RabbitMqConsumer implements InboxConsumer {
  private static final Logger log = LoggerFactory.getLogger(RabbitMqConsumer.class);

  private final InboxCounts counts;
  private final Connection connection;
  private final Channel channel;
  private volatile boolean running = true;

  RabbitMqConsumer(Inbox inbox, String uri, String queue, Inbox.Handler handler) {
    this.counts = new InboxCounts(inbox, handler);
    try {
      ConnectionFactory f = new ConnectionFactory();
      f.setUri(uri);
      this.connection = f.newConnection("tenancy-inbox");
      this.channel = connection.createChannel();
      channel.basicQos(100);
      channel.basicConsume(queue, false, (tag, delivery) -> deliver(delivery), tag -> { });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot consume " + queue + " at " + RabbitMqPublisher.redact(uri), e);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot consume " + queue + " at " + RabbitMqPublisher.redact(uri) + ": "
          + e, e);
    }
  }

  private void deliver(Delivery d) throws IOException {
    if (!running) {
      return;
    }
    long tag = d.getEnvelope().getDeliveryTag();
    try {
      Map<String, String> fields = new HashMap<>();
      Map<String, Object> headers = d.getProperties().getHeaders();
      if (headers != null) {
        headers.forEach((k, v) -> fields.put(k, String.valueOf(v)));
      }
      String id = d.getProperties().getMessageId();
      String type = d.getProperties().getContentType();
      if (id != null) {
        fields.put(Wire.EVENT_ID, id);
      }
      if (type != null) {
        fields.put(Wire.CONTENT_TYPE, type);
      }
      OutboxMessage m = Wire.decode(fields, d.getBody());
      counts.process(m);
      channel.basicAck(tag, false);
    } catch (Exception e) {
      log.warn("handling delivery {} failed; requeued: {}", tag, e.toString());
      channel.basicNack(tag, false, true);
    }
  }

  @Override
  public long handled() {
    return counts.handled();
  }

  @Override
  public long duplicates() {
    return counts.duplicates();
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    try {
      connection.close();
    } catch (IOException | RuntimeException e) {
      log.debug("closing the RabbitMQ consumer connection failed", e);
    }
  }
}
