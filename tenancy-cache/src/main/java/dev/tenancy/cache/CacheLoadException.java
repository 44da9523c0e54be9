package dev.tenancy.cache;

import dev.tenancy.TenancyException;

/**
 * Thrown by {@link TenantCache#get} when the loader fails; the loader's exception is the cause. Nothing is cached,
 * and callers waiting for the same load receive the same exception.
 */
public final class CacheLoadException extends TenancyException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which cache and key failed to load
   * @param cause the loader's exception
   */
  public CacheLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
