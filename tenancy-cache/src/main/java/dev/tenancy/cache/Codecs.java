package dev.tenancy.cache;

import java.nio.charset.StandardCharsets;

/** The built-in codecs without dependencies. */
final class Codecs {

  static final CacheCodec<byte[]> BYTES = new CacheCodec<>() {
    @Override
    public byte[] encode(byte[] value) {
      return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }

    @Override
    public String toString() {
      return "CacheCodec.bytes()";
    }
  };

  static final CacheCodec<String> UTF8 = new CacheCodec<>() {
    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "CacheCodec.utf8()";
    }
  };

  private Codecs() {}
}
