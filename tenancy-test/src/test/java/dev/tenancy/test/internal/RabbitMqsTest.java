package dev.tenancy.test.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The RabbitMQ probe against endpoints that are not brokers. */
class RabbitMqsTest {

  @Test
  void aClosedPortIsMisconfiguredWhenSetByVariable() {
    int port = FreePort.pick();
    Availability a = RabbitMqs.availability(Map.of(Env.RABBITMQ_URL, "amqp://u:secret@127.0.0.1:" + port));
    assertThat(a.state()).isEqualTo(Availability.State.MISCONFIGURED);
    assertThat(a.reason()).contains("does not answer AMQP").contains("u:***@").doesNotContain("secret");
  }

  @Test
  void aServerThatIsNotAnAmqpBrokerDoesNotCount() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread responder = new Thread(() -> {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          in.readNBytes(8);
          OutputStream out = s.getOutputStream();
          out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (IOException ignored) {
          // the probe's answer is what the test checks
        }
      });
      responder.start();
      String failure = RabbitMqs.handshake("amqp://127.0.0.1:" + server.getLocalPort());
      responder.join();
      assertThat(failure).contains("does not speak AMQP 0-9-1");
    }
  }

  @Test
  void aUriThatIsNotAmqpIsRefused() {
    assertThat(RabbitMqs.handshake("http://127.0.0.1:5672")).contains("amqp://USER:PASSWORD@HOST:5672");
  }
}
