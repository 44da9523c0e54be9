package dev.tenancy.cache;

import dev.tenancy.TenantId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Redis key layout. Every key starts with the namespace and the tenant in braces, so a tenant's keys share one
 * Redis Cluster slot ({@code {tenant}} is the hash tag: tenant ids cannot contain braces, and namespaces are
 * checked to contain none). Free-form parts are length-prefixed, and strings are encoded as generalized UTF-8
 * (WTF-8: a lone surrogate gets its own three-byte sequence instead of being replaced by '?'), so the encoding is
 * injective over all Java strings and can be decoded back.
 *
 * <pre>
 * entry:              ns {tenant} :e: len(cache) : cache key
 * tenant generation:  ns {tenant} :g
 * tag generation:     ns {tenant} :t: tag
 * load lease:         ns {tenant} :l: len(cache) : cache key
 * </pre>
 */
final class Keys {

  private final byte[] namespace;

  Keys(String namespace) {
    if (namespace.indexOf('{') >= 0 || namespace.indexOf('}') >= 0) {
      throw new IllegalArgumentException(
          "namespace must not contain '{' or '}' (they would change the Redis Cluster hash tag) but was '"
              + namespace + "'");
    }
    this.namespace = namespace.getBytes(StandardCharsets.UTF_8);
  }

  /** Encodes the key of an entry. */
  byte[] entry(TenantId tenant, String cache, String key) {
    byte[] c = wtf8(cache);
    byte[] k = wtf8(key);
    ByteArrayOutputStream out = tenantPrefix(tenant, 16 + c.length + k.length);
    write(out, ":e:");
    write(out, Integer.toString(c.length));
    out.write(':');
    out.writeBytes(c);
    out.writeBytes(k);
    return out.toByteArray();
  }

  /** Encodes the key of the cross-instance load lease of an entry: like the entry key, with {@code :l:}. */
  byte[] lease(TenantId tenant, String cache, String key) {
    byte[] e = entry(tenant, cache, key);
    int p = namespace.length + tenant.value().length() + 2;
    e[p + 1] = 'l';
    return e;
  }

  /** Encodes the key of a tenant's generation counter. */
  byte[] tenantGeneration(TenantId tenant) {
    ByteArrayOutputStream out = tenantPrefix(tenant, 2);
    write(out, ":g");
    return out.toByteArray();
  }

  /** The prefix of a tenant's tag generation keys; the tag's WTF-8 bytes follow it. */
  byte[] tagPrefix(TenantId tenant) {
    ByteArrayOutputStream out = tenantPrefix(tenant, 3);
    write(out, ":t:");
    return out.toByteArray();
  }

  /** Encodes the key of a tag's generation counter. */
  byte[] tagGeneration(TenantId tenant, String tag) {
    byte[] prefix = tagPrefix(tenant);
    byte[] t = wtf8(tag);
    byte[] key = Arrays.copyOf(prefix, prefix.length + t.length);
    System.arraycopy(t, 0, key, prefix.length, t.length);
    return key;
  }

  /**
   * Decodes an entry key made by {@link #entry}.
   *
   * @return tenant, cache and key
   * @throws IllegalArgumentException if the bytes are not an entry key of this namespace
   */
  String[] decodeEntry(byte[] encoded) {
    int i = namespace.length;
    if (encoded.length < i + 1 || !Arrays.equals(encoded, 0, i, namespace, 0, i) || encoded[i] != '{') {
      throw new IllegalArgumentException("not an entry key of this namespace");
    }
    int close = indexOf(encoded, (byte) '}', i + 1);
    String tenant = new String(encoded, i + 1, close - i - 1, StandardCharsets.UTF_8);
    int p = close + 1;
    if (encoded.length < p + 3 || encoded[p] != ':' || encoded[p + 1] != 'e' || encoded[p + 2] != ':') {
      throw new IllegalArgumentException("not an entry key");
    }
    p += 3;
    int colon = indexOf(encoded, (byte) ':', p);
    int len = Integer.parseInt(new String(encoded, p, colon - p, StandardCharsets.US_ASCII));
    p = colon + 1;
    String cache = unwtf8(encoded, p, p + len);
    String key = unwtf8(encoded, p + len, encoded.length);
    return new String[] {TenantId.of(tenant).value(), cache, key};
  }

  private ByteArrayOutputStream tenantPrefix(TenantId tenant, int extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(namespace.length + tenant.value().length() + 2 + extra);
    out.writeBytes(namespace);
    out.write('{');
    write(out, tenant.value());
    out.write('}');
    return out;
  }

  private static void write(ByteArrayOutputStream out, String ascii) {
    out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new IllegalArgumentException("malformed key");
  }

  /** Generalized UTF-8: like UTF-8, but a lone surrogate is encoded as its own three-byte sequence. */
  static byte[] wtf8(String s) {
    boolean ascii = true;
    for (int i = 0; i < s.length() && ascii; i++) {
      ascii = s.charAt(i) < 0x80;
    }
    if (ascii) {
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3);
    s.codePoints().forEach(cp -> {
      if (cp < 0x80) {
        out.write(cp);
      } else if (cp < 0x800) {
        out.write(0xC0 | (cp >> 6));
        out.write(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out.write(0xE0 | (cp >> 12));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      } else {
        out.write(0xF0 | (cp >> 18));
        out.write(0x80 | ((cp >> 12) & 0x3F));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      }
    });
    return out.toByteArray();
  }

  /** Decodes {@link #wtf8} output. */
  static String unwtf8(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    int i = from;
    while (i < to) {
      int b0 = b[i] & 0xFF;
      int cp;
      if (b0 < 0x80) {
        cp = b0;
        i += 1;
      } else if (b0 < 0xE0) {
        cp = ((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
        i += 2;
      } else if (b0 < 0xF0) {
        cp = ((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        i += 3;
      } else {
        cp = ((b0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
        i += 4;
      }
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }
}
