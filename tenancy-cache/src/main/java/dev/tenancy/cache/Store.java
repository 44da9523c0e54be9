package dev.tenancy.cache;

import dev.tenancy.TenantId;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** What a backend does for one cache. Implementations are thread-safe and never block longer than their timeout. */
interface Store {

  /**
   * Looks a key up.
   *
   * @param snapshotTags tags whose generations a miss should capture for a later {@link #write}
   */
  Lookup lookup(TenantId tenant, String key, Set<String> snapshotTags);

  /** Looks a key up without blocking; the default completes in the calling thread. */
  default CompletableFuture<Lookup> lookupAsync(TenantId tenant, String key, Set<String> snapshotTags) {
    return CompletableFuture.completedFuture(lookup(tenant, key, snapshotTags));
  }

  /**
   * Stores a value stamped with the generations of {@code snapshot} (from a miss of {@link #lookup}), or the
   * current generations when it is null. Never throws for backend failures: the write is dropped and counted.
   *
   * @throws CacheValueTooLargeException when the encoded value is over the limit
   */
  void write(TenantId tenant, String key, Object value, Set<String> tags, long ttlMillis, @Nullable Object snapshot);

  /** Removes one entry of the tenant. */
  void invalidate(TenantId tenant, String key);

  /**
   * Tries to take the cross-instance lease to load a key.
   *
   * @return true if this caller should load: it holds the lease, or the backend has no leases or is unavailable
   */
  default boolean tryLease(TenantId tenant, String key, long millis, byte[] token) {
    return true;
  }

  /** Gives a lease back if this caller still holds it. */
  default void releaseLease(TenantId tenant, String key, byte[] token) {}
}
