package dev.tenancy.cache;

import dev.tenancy.TenantId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where cached entries live: in process ({@link #inProcess}), in Redis ({@link #redis}, {@link #redisCluster}),
 * or in process in front of Redis ({@link #twoLevel}). One backend may serve many caches (each with its own
 * name); tags and purges are per tenant and apply to every cache of the backend. Close it when the application
 * stops: it closes the Redis connections it opened. Thread-safe.
 */
public abstract class CacheBackend implements AutoCloseable {

  CacheBackend() {}

  /**
   * Returns an in-process backend on Caffeine, bounded in entries, in which no tenant may hold more than
   * {@code tenantShare} of the capacity. When the whole backend is full, an insert evicts the coldest entry of
   * the tenant holding the most entries, so a tenant filling the cache can take entries only from tenants that
   * hold more than it does, and never beyond its own share.
   *
   * @param maximumEntries the capacity, at least 1
   * @param tenantShare the largest fraction of the capacity one tenant may hold, in (0, 1]
   * @return the backend
   * @throws IllegalArgumentException when a bound is out of range
   */
  public static CacheBackend inProcess(long maximumEntries, double tenantShare) {
    return new InProcessBackend(maximumEntries, tenantShare);
  }

  /**
   * Starts configuring a backend on a standalone Redis server (or a primary behind a proxy).
   *
   * @param uri a Lettuce URI, e.g. {@code redis://127.0.0.1:6379}
   * @return a builder
   */
  public static RedisBuilder redis(String uri) {
    return new RedisBuilder(List.of(Objects.requireNonNull(uri, "uri")), false);
  }

  /**
   * Starts configuring a backend on a Redis Cluster.
   *
   * @param seedUris URIs of one or more cluster nodes
   * @return a builder
   */
  public static RedisBuilder redisCluster(List<String> seedUris) {
    if (seedUris.isEmpty()) {
      throw new IllegalArgumentException("seedUris must name at least one cluster node");
    }
    return new RedisBuilder(List.copyOf(seedUris), true);
  }

  /**
   * Returns a two-level backend: an in-process level in front of a Redis backend. Invalidations and purges are
   * published on a Redis channel so every instance drops its in-process copies; when Redis is unreachable the
   * in-process level is cleared and bypassed until Redis is back, and an in-process copy never lives longer than
   * {@code localTtl}.
   *
   * @param local an {@link #inProcess} backend used by nothing else
   * @param remote a {@link #redis} or {@link #redisCluster} backend
   * @param localTtl the longest an entry stays in process, which bounds staleness if an invalidation message is lost
   * @return the backend; closing it closes both levels
   * @throws IllegalArgumentException when the levels are not of those kinds
   */
  public static CacheBackend twoLevel(CacheBackend local, CacheBackend remote, Duration localTtl) {
    if (!(local instanceof InProcessBackend l)) {
      throw new IllegalArgumentException("local must be CacheBackend.inProcess(...) but was " + local);
    }
    if (!(remote instanceof RedisBackend r)) {
      throw new IllegalArgumentException("remote must be CacheBackend.redis(...) or redisCluster(...) but was " + remote);
    }
    if (localTtl.isNegative() || localTtl.isZero()) {
      throw new IllegalArgumentException("localTtl must be positive but was " + localTtl);
    }
    return new TwoLevelBackend(l, r, localTtl);
  }

  abstract Store bind(String cache, CacheCodec<?> codec, CacheMetrics metrics, int maxValueBytes);

  abstract void invalidateTag(TenantId tenant, String tag);

  abstract void purge(TenantId tenant);

  /** Closes the connections this backend opened; later use fails. */
  @Override
  public abstract void close();

  /**
   * Configures a Redis backend. Single use: each setter may be called once.
   */
  public static final class RedisBuilder {
    private final List<String> uris;
    private final boolean cluster;
    private @Nullable String namespace;
    private @Nullable Duration timeout;
    private boolean built;

    private RedisBuilder(List<String> uris, boolean cluster) {
      this.uris = uris;
      this.cluster = cluster;
    }

    /**
     * Sets the prefix of every key this backend writes (default {@code "tc:"}); give each application or
     * environment sharing a Redis its own.
     *
     * @param namespace the prefix, without '{' or '}'
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public RedisBuilder namespace(String namespace) {
      if (this.namespace != null) {
        throw new IllegalStateException("namespace was already set to '" + this.namespace + "'");
      }
      new Keys(namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets how long a cache operation waits for Redis before it falls back to the loader (default 250 ms).
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalStateException when already set
     */
    public RedisBuilder timeout(Duration timeout) {
      if (this.timeout != null) {
        throw new IllegalStateException("timeout was already set to " + this.timeout);
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Connects and returns the backend.
     *
     * @return the backend
     * @throws IllegalStateException when called twice
     * @throws io.lettuce.core.RedisException when Redis cannot be reached at all at startup
     */
    public CacheBackend build() {
      if (built) {
        throw new IllegalStateException("build() was already called; create a new builder");
      }
      built = true;
      String ns = namespace == null ? "tc:" : namespace;
      Duration t = timeout == null ? Duration.ofMillis(250) : timeout;
      return new RedisBackend(RedisLink.connect(uris, cluster, t), new Keys(ns), ns, t);
    }
  }
}
