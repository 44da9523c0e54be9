package dev.tenancy.test.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Unique names and passwords for databases, roles and key prefixes. Thread-safe. */
public final class Names {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Names() {}

  /**
   * Returns {@code count} random lowercase hex characters.
   *
   * @param count how many characters, even
   * @return the hex string
   */
  public static String hex(int count) {
    byte[] bytes = new byte[(count + 1) / 2];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes).substring(0, count);
  }

  /**
   * Returns a random password made of URL-safe base64 characters only, so it never needs quoting in SQL,
   * URLs or a PgBouncer auth file.
   *
   * @return a 32-character password
   */
  public static String password() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
