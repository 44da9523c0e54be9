package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@TenancyRabbitMq
class RabbitMqFixtureIT {

  @Test
  void theUriCarriesWhatAClientNeedsToPublishAndConsume(TestRabbitMq rabbit) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(rabbit.uri());
    String queue = rabbit.name("gate");
    try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
      channel.queueDeclare(queue, false, false, false, null);
      try {
        channel.basicPublish("", queue, null, "hello".getBytes(StandardCharsets.UTF_8));
        GetResponse got = null;
        for (int i = 0; i < 50 && got == null; i++) {
          got = channel.basicGet(queue, true);
          if (got == null) {
            Thread.sleep(20);
          }
        }
        assertThat(got).isNotNull();
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
      } finally {
        channel.queueDelete(queue);
      }
    }
  }

  @Test
  void namesAreUniqueAndSaySomething(TestRabbitMq rabbit) {
    String a = rabbit.name("outbox");
    String b = rabbit.name("outbox");
    assertThat(a).isNotEqualTo(b).startsWith("tenancy-test-").endsWith("-outbox");
    assertThat(TestRabbitMq.shared().uri()).isEqualTo(rabbit.uri());
    assertThat(rabbit.toString()).doesNotContain(":guest@");
  }
}
