package dev.tenancy.cache;

import dev.tenancy.TenantId;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A read-through cache whose every entry belongs to the tenant in {@link dev.tenancy.TenantContext}.
 *
 * <p>Keys are free-form strings; the backend stores them under the tenant, the cache's name and the key with an
 * encoding that never lets two tenants (or two caches) share an entry. With no tenant in context every method but
 * {@link #purgeTenant} throws {@link dev.tenancy.NoTenantException}. Entries expire after the cache's TTL (minus a
 * random jitter, so entries written together do not expire together) or their own. Concurrent misses of one key
 * in one JVM run the loader once; other keys and other tenants are never held up by it. If the backend is
 * unreachable or slower than its timeout, {@link #get} calls the loader and returns its value: callers get data,
 * not errors.
 *
 * <p>Thread-safe. Build one per cache name with {@link #builder(String, CacheCodec)} and share it.
 *
 * @param <V> the value type
 */
public interface TenantCache<V> {

  /**
   * Starts configuring a cache.
   *
   * @param name the cache's name, 1 to 200 characters of {@code [A-Za-z0-9._-]}; unique per backend
   * @param codec how values are stored in Redis (the in-process backend keeps the objects)
   * @param <V> the value type
   * @return a single-use builder
   * @throws IllegalArgumentException when the name is malformed
   */
  static <V> Builder<V> builder(String name, CacheCodec<V> codec) {
    return new Builder<>(name, codec);
  }

  /**
   * Returns the cache's name.
   *
   * @return the name given to the builder
   */
  String name();

  /**
   * Returns the current tenant's value of {@code key}, loading and caching it on a miss, with no tags and the
   * cache's TTL.
   *
   * @param key the key
   * @param loader computes the value on a miss, in the calling thread and the caller's tenant context
   * @return the cached or loaded value
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   * @throws CacheLoadException when the loader fails
   */
  V get(String key, CacheLoader<? extends V> loader);

  /**
   * Returns the current tenant's value of {@code key}, loading it on a miss and caching it with the given tags and
   * TTL. A value too large to cache is returned but not cached.
   *
   * @param key the key
   * @param options tags and TTL of the entry if it is loaded
   * @param loader computes the value on a miss
   * @return the cached or loaded value
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   * @throws CacheLoadException when the loader fails
   */
  V get(String key, EntryOptions options, CacheLoader<? extends V> loader);

  /**
   * Returns the current tenant's value of {@code key} without blocking: the Redis read is asynchronous, and on a
   * miss the loader's stage supplies the value, which is then cached. The tenant is captured when this method is
   * called; the loader is invoked with it in context. Concurrent misses of one key in this JVM share one load.
   * If Redis is unavailable the loader's value is returned uncached.
   *
   * @param key the key
   * @param options tags and TTL of the entry if it is loaded
   * @param loader starts loading the value on a miss
   * @return a stage completed with the cached or loaded value, or with a {@link CacheLoadException}
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   */
  CompletionStage<V> getAsync(String key, EntryOptions options,
      Function<String, ? extends CompletionStage<? extends V>> loader);

  /**
   * Returns the current tenant's cached value of {@code key}, if any.
   *
   * @param key the key
   * @return the value, or empty on a miss or when the backend is unavailable
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   */
  Optional<V> getIfPresent(String key);

  /**
   * Caches a value for the current tenant with no tags and the cache's TTL. On Redis it returns once Redis has
   * acknowledged the write, so other instances read it from then on. If the backend is unavailable the write is
   * dropped and counted.
   *
   * @param key the key
   * @param value the value
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   * @throws CacheValueTooLargeException when the encoded value is over {@link Builder#maxValueBytes(int)}
   */
  void put(String key, V value);

  /**
   * Caches a value for the current tenant with the given tags and TTL.
   *
   * @param key the key
   * @param value the value
   * @param options tags and TTL
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   * @throws CacheValueTooLargeException when the encoded value is over {@link Builder#maxValueBytes(int)}
   */
  void put(String key, V value, EntryOptions options);

  /**
   * Removes the current tenant's entry of {@code key}. A load of that key in progress in this JVM does not cache
   * its result. If Redis is unavailable the invalidation is queued and replayed before Redis is used again.
   *
   * @param key the key
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   */
  void invalidate(String key);

  /**
   * Makes every entry of the current tenant that carries {@code tag} a miss, in every cache of this backend. O(1):
   * one counter is incremented; stale entries expire with their TTL.
   *
   * @param tag the tag
   * @throws dev.tenancy.NoTenantException when no tenant is in context
   */
  void invalidateTag(String tag);

  /**
   * Makes every entry of {@code tenant} a miss, in every cache of this backend (offboarding, erasure). O(1) on
   * Redis: one counter is incremented and the entries, unreadable from then on, expire with their TTL; the
   * in-process backend also drops them at once. Needs no tenant in context.
   *
   * @param tenant the tenant whose entries to drop
   */
  void purgeTenant(TenantId tenant);

  /**
   * Configures a {@link TenantCache}. Single use; each setter may be called once; {@link #backend} and
   * {@link #ttl} are required.
   *
   * @param <V> the value type
   */
  final class Builder<V> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    final String name;
    final CacheCodec<V> codec;
    @Nullable CacheBackend backend;
    @Nullable Duration ttl;
    double jitter = -1;
    int maxValueBytes = -1;
    @Nullable OpenTelemetry openTelemetry;
    @Nullable Duration loadLease;
    boolean tenantAttribute;
    private boolean tenantAttributeSet;
    private boolean built;

    private Builder(String name, CacheCodec<V> codec) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("cache name must match " + NAME.pattern() + " but was '" + name + "'");
      }
      this.name = name;
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Sets where entries live.
     *
     * @param backend the backend, shared by any number of caches with distinct names
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> backend(CacheBackend backend) {
      if (this.backend != null) {
        throw new IllegalStateException("backend was already set to " + this.backend);
      }
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /**
     * Sets the time to live of entries that do not set their own. Required: nothing is cached forever.
     *
     * @param ttl a positive duration of at least one millisecond
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> ttl(Duration ttl) {
      if (this.ttl != null) {
        throw new IllegalStateException("ttl was already set to " + this.ttl);
      }
      if (ttl.toMillis() < 1) {
        throw new IllegalArgumentException("ttl must be at least 1 ms but was " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Sets the jitter: each entry's TTL is shortened by a random fraction up to this (default 0.1), so entries
     * written together do not all expire together.
     *
     * @param fraction in [0, 0.5]
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> ttlJitter(double fraction) {
      if (jitter >= 0) {
        throw new IllegalStateException("ttlJitter was already set to " + jitter);
      }
      if (!(fraction >= 0 && fraction <= 0.5)) {
        throw new IllegalArgumentException("ttlJitter must be in [0, 0.5] but was " + fraction);
      }
      this.jitter = fraction;
      return this;
    }

    /**
     * Sets the largest encoded value the cache stores in Redis (default 1 MiB). The in-process backend stores
     * objects and does not encode them, so the limit does not apply there.
     *
     * @param bytes at least 1
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> maxValueBytes(int bytes) {
      if (maxValueBytes >= 0) {
        throw new IllegalStateException("maxValueBytes was already set to " + maxValueBytes);
      }
      if (bytes < 1) {
        throw new IllegalArgumentException("maxValueBytes must be at least 1 but was " + bytes);
      }
      this.maxValueBytes = bytes;
      return this;
    }

    /**
     * Makes concurrent misses of one key on several instances load once: the first takes a lease in Redis
     * ({@code SET NX PX}) and loads; the others poll for its value for up to {@code lease}, then load themselves.
     * Off by default; has no effect on the in-process backend, nor while Redis is unavailable.
     *
     * @param lease how long the lease lasts and the longest another instance waits; cover a typical load
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> loadLease(Duration lease) {
      if (this.loadLease != null) {
        throw new IllegalStateException("loadLease was already set to " + this.loadLease);
      }
      if (lease.toMillis() < 1) {
        throw new IllegalArgumentException("loadLease must be at least 1 ms but was " + lease);
      }
      this.loadLease = lease;
      return this;
    }

    /**
     * Sets where metrics go (default {@link GlobalOpenTelemetry#get()}).
     *
     * @param openTelemetry the OpenTelemetry instance
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> openTelemetry(OpenTelemetry openTelemetry) {
      if (this.openTelemetry != null) {
        throw new IllegalStateException("openTelemetry was already set");
      }
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Adds the tenant id as the attribute {@code tenant.id} to hit, miss and load metrics (default off: one time
     * series per tenant can be many).
     *
     * @param enabled whether to add it
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public Builder<V> tenantAttribute(boolean enabled) {
      if (tenantAttributeSet) {
        throw new IllegalStateException("tenantAttribute was already set to " + tenantAttribute);
      }
      this.tenantAttributeSet = true;
      this.tenantAttribute = enabled;
      return this;
    }

    /**
     * Builds the cache.
     *
     * @return the cache
     * @throws IllegalStateException when backend or ttl is missing, when the backend already serves a cache of
     *     this name, or when called twice
     */
    public TenantCache<V> build() {
      if (built) {
        throw new IllegalStateException("build() was already called; create a new builder");
      }
      if (backend == null) {
        throw new IllegalStateException("no backend: call backend(CacheBackend.inProcess(...) or CacheBackend.redis(...))");
      }
      if (ttl == null) {
        throw new IllegalStateException("no ttl: every cache needs a time to live; call ttl(Duration)");
      }
      built = true;
      return new DefaultTenantCache<>(this);
    }
  }
}
