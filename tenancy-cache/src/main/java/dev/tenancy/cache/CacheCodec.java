package dev.tenancy.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * Turns values into bytes for Redis and back. The in-process backend keeps values as objects and does not use
 * the codec. Implementations must be thread-safe.
 *
 * @param <V> the value type
 */
public interface CacheCodec<V> {

  /**
   * Encodes a value.
   *
   * @param value the value
   * @return its bytes
   * @throws RuntimeException when the value cannot be encoded
   */
  byte[] encode(V value);

  /**
   * Decodes a value that {@link #encode} produced.
   *
   * @param bytes the bytes
   * @return the value
   * @throws RuntimeException when the bytes cannot be decoded; the cache treats that as a miss
   */
  V decode(byte[] bytes);

  /**
   * Returns a codec that writes JSON with a default {@link ObjectMapper}.
   *
   * @param type the value class
   * @param <V> the value type
   * @return the codec
   */
  static <V> CacheCodec<V> json(Class<V> type) {
    return json(new ObjectMapper(), type);
  }

  /**
   * Returns a codec that writes JSON with the given mapper (which must not be reconfigured afterwards).
   *
   * @param mapper the mapper
   * @param type the value class
   * @param <V> the value type
   * @return the codec
   */
  static <V> CacheCodec<V> json(ObjectMapper mapper, Class<V> type) {
    return new JsonCodec<>(Objects.requireNonNull(mapper, "mapper"), Objects.requireNonNull(type, "type"));
  }

  /**
   * Returns a codec that passes byte arrays through unchanged (the cache does not copy them; do not modify them).
   *
   * @return the codec
   */
  static CacheCodec<byte[]> bytes() {
    return Codecs.BYTES;
  }

  /**
   * Returns a codec for strings in UTF-8.
   *
   * @return the codec
   */
  static CacheCodec<String> utf8() {
    return Codecs.UTF8;
  }
}
