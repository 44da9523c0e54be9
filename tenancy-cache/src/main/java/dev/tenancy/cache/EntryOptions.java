package dev.tenancy.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Per-entry settings: the tags an entry carries (for {@link TenantCache#invalidateTag}) and a time to live that
 * overrides the cache's.
 *
 * @param tags the entry's tags, at most 64, each 1 to 1024 bytes in UTF-8; tags are per tenant
 * @param ttl the entry's time to live, or null for the cache's; positive when given
 */
public record EntryOptions(Set<String> tags, @Nullable Duration ttl) {

  /** The maximum number of tags per entry. */
  public static final int MAX_TAGS = 64;

  private static final EntryOptions NONE = new EntryOptions(Set.of(), null);

  /**
   * Validates and copies the options.
   *
   * @param tags the entry's tags
   * @param ttl the time to live, or null
   * @throws IllegalArgumentException when there are too many tags, a tag is empty or too long, or the TTL is not
   *     positive
   */
  public EntryOptions {
    tags = Set.copyOf(Objects.requireNonNull(tags, "tags"));
    if (tags.size() > MAX_TAGS) {
      throw new IllegalArgumentException("at most " + MAX_TAGS + " tags per entry but got " + tags.size());
    }
    for (String tag : tags) {
      int bytes = tag.getBytes(StandardCharsets.UTF_8).length;
      if (bytes == 0 || bytes > 1024) {
        throw new IllegalArgumentException("a tag must be 1 to 1024 bytes in UTF-8 but '" + tag + "' has " + bytes);
      }
    }
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("ttl must be positive but was " + ttl);
    }
  }

  /**
   * Returns options with no tags and the cache's TTL.
   *
   * @return the default options
   */
  public static EntryOptions none() {
    return NONE;
  }

  /**
   * Returns options with these tags and the cache's TTL.
   *
   * @param tags the tags
   * @return the options
   */
  public static EntryOptions tags(String... tags) {
    return new EntryOptions(Set.of(tags), null);
  }

  /**
   * Returns these options with a time to live of their own.
   *
   * @param ttl the entry's time to live
   * @return new options
   */
  public EntryOptions withTtl(Duration ttl) {
    return new EntryOptions(tags, Objects.requireNonNull(ttl, "ttl"));
  }
}
