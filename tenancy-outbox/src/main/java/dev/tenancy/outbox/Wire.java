package dev.tenancy.outbox;

import dev.tenancy.TenantId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The message fields shared by the publishers and the consumers. */
final class Wire {
  static final String EVENT_ID = "tenancy-event-id";
  static final String TENANT = "tenancy-tenant";
  static final String TOPIC = "tenancy-topic";
  static final String KEY = "tenancy-key";
  static final String CONTENT_TYPE = "tenancy-content-type";
  static final String CREATED_AT = "tenancy-created-at";
  static final String PAYLOAD = "tenancy-payload";

  private Wire() {
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Reads a message back from string fields and a payload; throws IllegalArgumentException if one is missing. */
  static OutboxMessage decode(Map<String, String> fields, byte[] payload) {
    Map<String, String> headers = new LinkedHashMap<>();
    fields.forEach((k, v) -> {
      if (!k.startsWith("tenancy-")) {
        headers.put(k, v);
      }
    });
    return new OutboxMessage(UUID.fromString(require(fields, EVENT_ID)), TenantId.of(require(fields, TENANT)),
        require(fields, TOPIC), require(fields, KEY), payload, require(fields, CONTENT_TYPE), headers,
        Instant.parse(require(fields, CREATED_AT)), 0);
  }

  private static String require(Map<String, String> fields, String name) {
    @Nullable String v = fields.get(name);
    if (v == null) {
      throw new IllegalArgumentException("message lacks the field '" + name + "'; was it written by an"
          + " OutboxPublisher of this module?");
    }
    return v;
  }
}
