package dev.tenancy.cache;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache: tenant from context, single flight per (tenant, key), TTL with jitter, metrics; storage is the
 * backend's.
 */
final class DefaultTenantCache<V> implements TenantCache<V> {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultTenantCache.class);

  /** One load in progress; callers that miss the same key while it runs wait for it. */
  static final class Flight<V> extends CompletableFuture<V> {
    volatile boolean invalidated;
  }

  record FlightKey(TenantId tenant, String key) {}

  private final String name;
  private final Store store;
  private final CacheBackend backend;
  private final CacheMetrics metrics;
  private final long ttlMillis;
  private final double jitter;
  private final long leaseMillis;
  private final ConcurrentHashMap<FlightKey, Flight<V>> flights = new ConcurrentHashMap<>();

  DefaultTenantCache(TenantCache.Builder<V> b) {
    this.name = b.name;
    this.backend = Objects.requireNonNull(b.backend);
    this.ttlMillis = Objects.requireNonNull(b.ttl).toMillis();
    this.jitter = b.jitter < 0 ? 0.1 : b.jitter;
    this.leaseMillis = b.loadLease == null ? 0 : b.loadLease.toMillis();
    this.metrics = new CacheMetrics(b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get(), b.name,
        b.tenantAttribute);
    this.store = backend.bind(b.name, b.codec, metrics, b.maxValueBytes < 0 ? 1 << 20 : b.maxValueBytes);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public V get(String key, CacheLoader<? extends V> loader) {
    return get(key, EntryOptions.none(), loader);
  }

  @Override
  public V get(String key, EntryOptions options, CacheLoader<? extends V> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(loader, "loader");
    TenantId tenant = TenantContext.require();
    Lookup first = store.lookup(tenant, key, options.tags());
    if (first.isHit()) {
      metrics.hit(tenant);
      return cast(first.value);
    }
    metrics.miss(tenant);
    FlightKey fk = new FlightKey(tenant, key);
    Flight<V> mine = new Flight<>();
    Flight<V> running = flights.putIfAbsent(fk, mine);
    if (running != null) {
      return join(running);
    }
    try {
      // Checked again inside the flight: a load that finished between our lookup and putIfAbsent has cached it.
      Lookup second = store.lookup(tenant, key, options.tags());
      byte @Nullable [] token = null;
      if (!second.isHit() && leaseMillis > 0 && second.isAvailable()) {
        token = newToken();
        if (!store.tryLease(tenant, key, leaseMillis, token)) {
          token = null;
          second = awaitOtherInstance(tenant, key, options);
        }
      }
      V value;
      if (second.isHit()) {
        value = cast(second.value);
      } else {
        try {
          value = load(tenant, key, loader);
        } finally {
          if (token != null) {
            store.releaseLease(tenant, key, token);
          }
        }
        if (mine.invalidated) {
          LOG.debug("cache '{}': not caching '{}', invalidated while it loaded", name, key);
        } else if (!second.isAvailable()) {
          metrics.droppedWrite();
        } else {
          try {
            store.write(tenant, key, value, options.tags(), ttlMillis(options), second.snapshot);
          } catch (CacheValueTooLargeException e) {
            metrics.error("too_large");
            LOG.warn("{}; returned but not cached", e.getMessage());
          }
        }
      }
      mine.complete(value);
      return value;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      flights.remove(fk, mine);
    }
  }

  private static byte[] newToken() {
    byte[] token = new byte[16];
    ThreadLocalRandom.current().nextBytes(token);
    return token;
  }

  /** Another instance holds the lease: poll for its value until the lease would have ended. */
  private Lookup awaitOtherInstance(TenantId tenant, String key, EntryOptions options) {
    long deadline = System.nanoTime() + leaseMillis * 1_000_000L;
    Lookup l = store.lookup(tenant, key, options.tags());
    while (!l.isHit() && l.isAvailable() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(Math.min(20, leaseMillis));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      l = store.lookup(tenant, key, options.tags());
    }
    return l;
  }

  private V load(TenantId tenant, String key, CacheLoader<? extends V> loader) {
    long start = System.nanoTime();
    V value;
    try {
      value = loader.load(key);
    } catch (Exception e) {
      metrics.error("loader");
      throw new CacheLoadException("cache '" + name + "': the loader failed for key '" + key + "' of tenant "
          + tenant.value() + ": " + e, e);
    } finally {
      metrics.load(tenant, System.nanoTime() - start);
    }
    if (value == null) {
      metrics.error("loader");
      throw new CacheLoadException("cache '" + name + "': the loader returned null for key '" + key
          + "'; return a sentinel or an Optional for absent values", new NullPointerException("loader result"));
    }
    return value;
  }

  private V join(Flight<V> flight) {
    try {
      return flight.join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private static <V> V cast(@Nullable Object value) {
    return (V) Objects.requireNonNull(value, "hit without a value");
  }

  private long ttlMillis(EntryOptions options) {
    Duration own = options.ttl();
    long base = own != null ? Math.max(1, own.toMillis()) : ttlMillis;
    if (jitter == 0) {
      return base;
    }
    long cut = (long) (base * jitter * ThreadLocalRandom.current().nextDouble());
    return Math.max(1, base - cut);
  }

  @Override
  public CompletionStage<V> getAsync(String key, EntryOptions options,
      Function<String, ? extends CompletionStage<? extends V>> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(loader, "loader");
    TenantId tenant = TenantContext.require();
    return store.lookupAsync(tenant, key, options.tags()).thenCompose(first -> {
      if (first.isHit()) {
        metrics.hit(tenant);
        return CompletableFuture.completedFuture(DefaultTenantCache.<V>cast(first.value));
      }
      metrics.miss(tenant);
      FlightKey fk = new FlightKey(tenant, key);
      Flight<V> mine = new Flight<>();
      Flight<V> running = flights.putIfAbsent(fk, mine);
      if (running != null) {
        return running.copy();
      }
      long start = System.nanoTime();
      CompletionStage<? extends V> loading;
      try {
        loading = TenantContext.call(tenant, () -> loader.apply(key));
      } catch (RuntimeException e) {
        loading = CompletableFuture.failedFuture(e);
      }
      loading.whenComplete((value, e) -> {
        metrics.load(tenant, System.nanoTime() - start);
        try {
          if (e != null || value == null) {
            metrics.error("loader");
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            mine.completeExceptionally(new CacheLoadException("cache '" + name + "': the loader failed for key '"
                + key + "' of tenant " + tenant.value() + ": " + (cause == null ? "null value" : cause),
                cause == null ? new NullPointerException("loader result") : cause));
            return;
          }
          if (mine.invalidated) {
            LOG.debug("cache '{}': not caching '{}', invalidated while it loaded", name, key);
          } else if (!first.isAvailable()) {
            metrics.droppedWrite();
          } else {
            try {
              store.write(tenant, key, value, options.tags(), ttlMillis(options), first.snapshot);
            } catch (CacheValueTooLargeException tooLarge) {
              metrics.error("too_large");
              LOG.warn("{}; returned but not cached", tooLarge.getMessage());
            } catch (RuntimeException writeFailure) {
              metrics.error("backend");
            }
          }
          mine.complete(value);
        } finally {
          flights.remove(fk, mine);
          if (!mine.isDone()) {
            mine.completeExceptionally(new IllegalStateException("load ended without a result"));
          }
        }
      });
      return mine.copy();
    });
  }

  @Override
  public Optional<V> getIfPresent(String key) {
    Objects.requireNonNull(key, "key");
    TenantId tenant = TenantContext.require();
    Lookup l = store.lookup(tenant, key, java.util.Set.of());
    if (l.isHit()) {
      metrics.hit(tenant);
      return Optional.of(cast(l.value));
    }
    metrics.miss(tenant);
    return Optional.empty();
  }

  @Override
  public void put(String key, V value) {
    put(key, value, EntryOptions.none());
  }

  @Override
  public void put(String key, V value, EntryOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    TenantId tenant = TenantContext.require();
    store.write(tenant, key, value, options.tags(), ttlMillis(options), null);
  }

  @Override
  public void invalidate(String key) {
    Objects.requireNonNull(key, "key");
    TenantId tenant = TenantContext.require();
    Flight<V> running = flights.get(new FlightKey(tenant, key));
    if (running != null) {
      running.invalidated = true;
    }
    store.invalidate(tenant, key);
  }

  @Override
  public void invalidateTag(String tag) {
    Objects.requireNonNull(tag, "tag");
    new EntryOptions(java.util.Set.of(tag), null);
    backend.invalidateTag(TenantContext.require(), tag);
  }

  @Override
  public void purgeTenant(TenantId tenant) {
    Objects.requireNonNull(tenant, "tenant");
    backend.purge(tenant);
  }

  @Override
  public String toString() {
    return "TenantCache[" + name + " on " + backend + "]";
  }
}
