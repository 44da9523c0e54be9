package dev.tenancy;

import java.util.Optional;

/**
 * A binding of a tenant (or of the system scope) to the current thread, ended by {@link #close()}.
 *
 * <p>Open scopes with {@link TenantContext#open(TenantId)} or {@link TenantContext#openSystem(String)} in a
 * try-with-resources statement. Closing a scope restores exactly what was bound before it, so scopes nest and a
 * pooled thread never keeps a tenant after its work is done.
 *
 * <p>Not thread-safe: a scope belongs to the thread that opened it and must be closed there. To continue work
 * on another thread, capture the context with {@link TenantContext#capture()} or wrap the executor with
 * {@link TenantExecutors}.
 */
public sealed interface TenantScope extends AutoCloseable permits Frame {

  /**
   * Returns the tenant this scope binds.
   *
   * @return the tenant, or empty for a system scope or a scope that binds "no tenant"
   */
  Optional<TenantId> tenant();

  /**
   * Ends the scope and restores the binding that was current when it was opened. Idempotent; never throws.
   * Closing scopes out of order is tolerated (logged as a warning): the thread then binds the innermost scope
   * that is still open, never one that was closed.
   */
  @Override
  void close();
}
