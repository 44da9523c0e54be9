package dev.tenancy.cache;

import dev.tenancy.TenancyException;

/**
 * Thrown by {@link TenantCache#put} when a value's encoded form is larger than the cache's
 * {@link TenantCache.Builder#maxValueBytes(int) maximum}. A value that a read-through {@link TenantCache#get}
 * loads and that is too large is returned to the caller but not cached (and counted as an error).
 */
public final class CacheValueTooLargeException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the cache, the key, the size and the limit, and what to do
   */
  public CacheValueTooLargeException(String message) {
    super(message);
  }
}
