package dev.tenancy.cache;

/**
 * Loads the value of a key on a cache miss. It runs in the caller's thread, with the caller's tenant in context.
 *
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheLoader<V> {

  /**
   * Loads the value of a key.
   *
   * @param key the key that missed
   * @return the value, never null (cache a sentinel or an {@code Optional} for "absent")
   * @throws Exception when the value cannot be loaded; the cache wraps it in {@link CacheLoadException}
   */
  V load(String key) throws Exception;
}
