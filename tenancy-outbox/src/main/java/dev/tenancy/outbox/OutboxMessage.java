package dev.tenancy.outbox;

import dev.tenancy.TenantId;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An appended event as the relay hands it to an {@link OutboxPublisher} and as a consumer receives it back: the
 * {@link OutboxEvent} plus its identity. Publishers send {@code eventId}, {@code tenant}, {@code topic} and
 * {@code key} with every message so that consumers can de-duplicate ({@link Inbox}); the payload array is copied in
 * and out, so a message is immutable and thread-safe.
 *
 * @param eventId the event's unique id, assigned by {@link Outbox#append}; the de-duplication key downstream
 * @param tenant the tenant that appended the event
 * @param topic the destination
 * @param key the ordering key
 * @param payload the bytes to deliver
 * @param contentType the payload's media type
 * @param headers extra headers of the event
 * @param createdAt when the appending transaction started (the database's {@code now()})
 * @param attempt 1 for the first publication attempt, 2 for the first retry and so on; 0 when read back by a consumer
 */
public record OutboxMessage(UUID eventId, TenantId tenant, String topic, String key, byte[] payload,
    String contentType, Map<String, String> headers, Instant createdAt, int attempt) {

  /**
   * Checks for nulls and copies the payload and headers.
   *
   * @param eventId the event's unique id
   * @param tenant the tenant that appended the event
   * @param topic the destination
   * @param key the ordering key
   * @param payload the bytes to deliver
   * @param contentType the payload's media type
   * @param headers extra headers of the event
   * @param createdAt when the appending transaction started
   * @param attempt the publication attempt, or 0 when read back by a consumer
   * @throws IllegalArgumentException if {@code attempt} is negative
   */
  public OutboxMessage {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(createdAt, "createdAt");
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must not be negative but was " + attempt);
    }
    payload = Objects.requireNonNull(payload, "payload").clone();
    headers = Map.copyOf(headers);
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

  /** The payload length without copying it. */
  int payloadLength() {
    return payload.length;
  }

  /** The payload without copying it, for the publishers of this package. */
  byte[] payloadUnsafe() {
    return payload;
  }

  /**
   * Compares all components, the payload by content.
   *
   * @param other the object to compare with
   * @return whether it is equal to this
   */
  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof OutboxMessage m && eventId.equals(m.eventId) && tenant.equals(m.tenant)
        && topic.equals(m.topic) && key.equals(m.key) && Arrays.equals(payload, m.payload)
        && contentType.equals(m.contentType) && headers.equals(m.headers) && createdAt.equals(m.createdAt)
        && attempt == m.attempt;
  }

  /**
   * Hashes all components, the payload by content.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return Objects.hash(eventId, tenant, topic, key, Arrays.hashCode(payload), contentType, headers, createdAt,
        attempt);
  }

  /**
   * Shows everything except the payload bytes.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "OutboxMessage[eventId=" + eventId + ", tenant=" + tenant + ", topic=" + topic + ", key=" + key
        + ", contentType=" + contentType + ", payload=" + payload.length + " bytes, headers=" + headers
        + ", createdAt=" + createdAt + ", attempt=" + attempt + "]";
  }
}
