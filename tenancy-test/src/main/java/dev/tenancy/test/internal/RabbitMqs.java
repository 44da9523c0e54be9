package dev.tenancy.test.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds the RabbitMQ broker the fixtures use: {@value Env#RABBITMQ_URL}, else {@value #DEFAULT} if it answers.
 * The kit does not start a broker. Thread-safe.
 */
public final class RabbitMqs {
  /** Where a broker is looked for when no variable is set. */
  public static final String DEFAULT = "amqp://guest:guest@127.0.0.1:5672";
  private static final byte[] PROTOCOL_HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
  private static final Lazy<String> SHARED = new Lazy<>(() -> resolve(System.getenv()));

  private RabbitMqs() {}

  /**
   * Returns the URI of the JVM's broker, checked once to answer AMQP 0-9-1.
   *
   * @return the URI
   * @throws IllegalStateException when no broker answers; the message says how to provide one
   */
  public static String shared() {
    return SHARED.get();
  }

  static String resolve(Map<String, String> env) {
    Availability availability = availability(env);
    if (availability.state() != Availability.State.AVAILABLE) {
      throw new IllegalStateException("no RabbitMQ for tenancy-test: " + availability.reason() + ". Provide one: "
          + GatedServer.RABBITMQ.howToProvide());
    }
    String url = Env.get(env, Env.RABBITMQ_URL);
    return url != null ? url : DEFAULT;
  }

  /**
   * Tells the server gate whether a broker answers: the variable's, else the default address.
   *
   * @param env the environment
   * @return available, unavailable (nothing set, nothing at the default) or misconfigured (a set URL that does
   *     not answer)
   */
  static Availability availability(Map<String, String> env) {
    String url = Env.get(env, Env.RABBITMQ_URL);
    String failure = handshake(url != null ? url : DEFAULT);
    if (failure == null) {
      return Availability.available();
    }
    if (url != null) {
      return Availability.misconfigured(Env.RABBITMQ_URL + "=" + redact(url) + " does not answer AMQP: " + failure
          + "; check that the broker runs and the URL is right");
    }
    return Availability.unavailable(Env.RABBITMQ_URL + " is not set and nothing answers AMQP at "
        + redact(DEFAULT) + " (" + failure + ")");
  }

  /**
   * Opens a TCP connection, sends the AMQP 0-9-1 protocol header and reads the broker's first frame, which must
   * be {@code connection.start}; then hangs up.
   *
   * @param uri an {@code amqp://} (or {@code amqps://}, checked for TCP only) URI
   * @return null when the broker answered, else what went wrong
   */
  static @Nullable String handshake(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      return "not a URI like amqp://USER:PASSWORD@HOST:5672 (" + e.getMessage() + ")";
    }
    String scheme = parsed.getScheme();
    if (parsed.getHost() == null || !("amqp".equals(scheme) || "amqps".equals(scheme))) {
      return "not a URI like amqp://USER:PASSWORD@HOST:5672";
    }
    boolean tls = "amqps".equals(scheme);
    int port = parsed.getPort() > 0 ? parsed.getPort() : tls ? 5671 : 5672;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(parsed.getHost(), port), 2000);
      if (tls) {
        return null;
      }
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(PROTOCOL_HEADER);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int type = in.readUnsignedByte();
      int channel = in.readUnsignedShort();
      in.readInt(); // payload size
      int classId = in.readUnsignedShort();
      int methodId = in.readUnsignedShort();
      if (type != 1 || channel != 0 || classId != 10 || methodId != 10) {
        return "the server at " + parsed.getHost() + ":" + port + " does not speak AMQP 0-9-1 (first frame type "
            + type + ", method " + classId + "." + methodId + ")";
      }
      return null;
    } catch (IOException e) {
      return parsed.getHost() + ":" + port + ": " + e;
    }
  }

  /**
   * Hides the password of a URI.
   *
   * @param uri the URI
   * @return the URI with {@code ***} for its password
   */
  static String redact(String uri) {
    return uri.replaceFirst("://([^:@/]*):[^@/]*@", "://$1:***@");
  }
}
