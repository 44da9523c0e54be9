package dev.tenancy.outbox;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An event to append to the outbox: where it goes ({@code topic}), what it is ordered by ({@code key}) and what it
 * carries. The tenant is not part of the event: {@link Outbox} takes it from the tenant context.
 *
 * <p>Validated on construction: a topic is 1 to 200 characters of letters, digits and {@code . _ - : /}; a key
 * is 1 to 200 characters without control characters; at most {@value #MAX_HEADERS} headers, each name 1 to 64
 * characters of letters, digits, {@code _} and {@code -} not starting with {@code tenancy-} (reserved for the
 * transport fields), each value at most 1,024 characters. The payload's size limit is set on the {@link Outbox}.
 * The payload array is copied in and out, so an event is immutable and thread-safe.
 *
 * @param topic the destination: a Redis stream name suffix, a RabbitMQ routing key
 * @param key the ordering key: events of one tenant with the same key are published in append order
 * @param payload the bytes to deliver
 * @param contentType the payload's media type, for example {@code application/json}
 * @param headers extra string headers delivered with the message, in insertion order
 */
public record OutboxEvent(String topic, String key, byte[] payload, String contentType, Map<String, String> headers) {

  /** The most headers an event may carry. */
  public static final int MAX_HEADERS = 32;
  /** Content type of {@link #of(String, String, byte[])}. */
  public static final String OCTET_STREAM = "application/octet-stream";
  /** Content type of {@link #json(String, String, String)}. */
  public static final String JSON = "application/json";

  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._:/-]{1,200}");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern CONTENT_TYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+"
      + "(;[ -~]*)?");
  private static final int MAX_KEY = 200;
  private static final int MAX_HEADER_VALUE = 1024;

  /**
   * Validates and copies the components.
   *
   * @param topic the destination
   * @param key the ordering key
   * @param payload the bytes to deliver
   * @param contentType the payload's media type
   * @param headers extra string headers
   * @throws IllegalArgumentException if a component breaks the rules in the class description
   */
  public OutboxEvent {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(headers, "headers");
    if (!TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException("topic must be 1 to 200 characters of letters, digits and . _ - : / but was '"
          + printable(topic) + "'");
    }
    if (key.isEmpty() || key.length() > MAX_KEY || key.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("key must be 1 to " + MAX_KEY
          + " characters without control characters but was '" + printable(key) + "' (length " + key.length() + ")");
    }
    if (!CONTENT_TYPE.matcher(contentType).matches()) {
      throw new IllegalArgumentException("contentType must be a media type such as application/json but was '"
          + printable(contentType) + "'");
    }
    if (headers.size() > MAX_HEADERS) {
      throw new IllegalArgumentException("an event carries at most " + MAX_HEADERS + " headers but got "
          + headers.size() + "; put the rest into the payload");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach((name, value) -> {
      Objects.requireNonNull(name, "header name");
      Objects.requireNonNull(value, "header value");
      if (!HEADER.matcher(name).matches() || name.regionMatches(true, 0, "tenancy-", 0, 8)) {
        throw new IllegalArgumentException("header name must be 1 to 64 letters, digits, _ or - and not start with"
            + " 'tenancy-' (reserved) but was '" + printable(name) + "'");
      }
      if (value.length() > MAX_HEADER_VALUE) {
        throw new IllegalArgumentException("header '" + name + "' is " + value.length() + " characters; at most "
            + MAX_HEADER_VALUE + " are allowed");
      }
      copy.put(name, value);
    });
    headers = java.util.Collections.unmodifiableMap(copy);
    payload = payload.clone();
  }

  /**
   * An event with a binary payload and no headers.
   *
   * @param topic the destination
   * @param key the ordering key
   * @param payload the bytes to deliver
   * @return the event
   * @throws IllegalArgumentException if a component is invalid
   */
  public static OutboxEvent of(String topic, String key, byte[] payload) {
    return new OutboxEvent(topic, key, payload, OCTET_STREAM, Map.of());
  }

  /**
   * An event whose payload is a JSON document, sent as UTF-8 with content type {@value #JSON}. The text is not
   * parsed; serialise it with the JSON library you already use.
   *
   * @param topic the destination
   * @param key the ordering key
   * @param json the JSON text
   * @return the event
   * @throws IllegalArgumentException if a component is invalid
   */
  public static OutboxEvent json(String topic, String key, String json) {
    Objects.requireNonNull(json, "json");
    return new OutboxEvent(topic, key, json.getBytes(StandardCharsets.UTF_8), JSON, Map.of());
  }

  /**
   * A copy of this event with one more header.
   *
   * @param name the header name
   * @param value the header value
   * @return the new event
   * @throws IllegalArgumentException if the header is invalid or the event already has {@value #MAX_HEADERS}
   */
  public OutboxEvent withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new OutboxEvent(topic, key, payload, contentType, more);
  }

  /**
   * A copy of the payload.
   *
   * @return the payload bytes
   */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * Compares all components, the payload by content.
   *
   * @param other the object to compare with
   * @return whether it is equal to this
   */
  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object other) {
    return other instanceof OutboxEvent e && topic.equals(e.topic) && key.equals(e.key)
        && java.util.Arrays.equals(payload, e.payload) && contentType.equals(e.contentType)
        && headers.equals(e.headers);
  }

  /**
   * Hashes all components, the payload by content.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return Objects.hash(topic, key, java.util.Arrays.hashCode(payload), contentType, headers);
  }

  /**
   * Shows the topic, key, content type, payload size and headers, not the payload.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "OutboxEvent[topic=" + topic + ", key=" + key + ", contentType=" + contentType + ", payload="
        + payload.length + " bytes, headers=" + headers + "]";
  }

  int payloadLength() {
    return payload.length;
  }

  byte[] payloadUnsafe() {
    return payload;
  }

  static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder b = new StringBuilder();
    cut.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
