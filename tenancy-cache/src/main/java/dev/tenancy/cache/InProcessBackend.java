package dev.tenancy.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tenancy.TenantId;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Caffeine, one partition per tenant. A partition is bounded by the tenant's share of the capacity (Caffeine's
 * W-TinyLFU picks the victim inside the tenant); when the sum of all partitions exceeds the capacity, the largest
 * partition gives up its coldest entry. Tags and purges use per-tenant generation counters: an entry remembers the
 * generations it was written under and reads as a miss once one has moved on.
 */
final class InProcessBackend extends CacheBackend {

  record LocalKey(String cache, String key) {}

  /** A cached value with the generations it was written under. */
  static final class LocalEntry {
    final Object value;
    final long tenantGeneration;
    final String[] tags;
    final Set<String> tagSet;
    final long[] tagGenerations;
    final long deadlineNanos;

    LocalEntry(Object value, long tenantGeneration, String[] tags, long[] tagGenerations, long deadlineNanos) {
      this.value = value;
      this.tenantGeneration = tenantGeneration;
      this.tags = tags;
      this.tagSet = Set.of(tags);
      this.tagGenerations = tagGenerations;
      this.deadlineNanos = deadlineNanos;
    }
  }

  /** Generations captured by a miss. */
  record LocalSnapshot(long tenantGeneration, Map<String, Long> tagGenerations) {}

  final class Partition {
    final AtomicLong generation = new AtomicLong();
    final ConcurrentHashMap<String, AtomicLong> tagGenerations = new ConcurrentHashMap<>();
    final Cache<LocalKey, LocalEntry> entries;

    Partition() {
      entries = Caffeine.newBuilder()
          .maximumSize(tenantCapacity)
          // No Caffeine expiry: a per-entry (variable) expiry makes every read several times dearer. Reads
          // check the entry's deadline instead; an expired entry is dropped when read, or evicted as cold.
          // Maintenance on the writing thread keeps the global count exact enough for the capacity rule.
          .executor(Runnable::run)
          .removalListener((@Nullable LocalKey k, @Nullable LocalEntry v, RemovalCause cause) -> {
            size.decrementAndGet();
            if (cause == RemovalCause.SIZE && k != null) {
              countEviction(k.cache());
            }
          })
          .build();
    }

    long tagGeneration(String tag) {
      AtomicLong g = tagGenerations.get(tag);
      return g == null ? 0 : g.get();
    }
  }

  private final long capacity;
  private final long tenantCapacity;
  private final AtomicLong size = new AtomicLong();
  private final ConcurrentHashMap<TenantId, Partition> partitions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CacheMetrics> metrics = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LocalStore> stores = new ConcurrentHashMap<>();

  InProcessBackend(long maximumEntries, double tenantShare) {
    if (maximumEntries < 1) {
      throw new IllegalArgumentException("maximumEntries must be at least 1 but was " + maximumEntries);
    }
    if (!(tenantShare > 0 && tenantShare <= 1)) {
      throw new IllegalArgumentException("tenantShare must be in (0, 1] but was " + tenantShare);
    }
    this.capacity = maximumEntries;
    this.tenantCapacity = Math.max(1, (long) (maximumEntries * tenantShare));
  }

  @Override
  Store bind(String cache, CacheCodec<?> codec, CacheMetrics cacheMetrics, int maxValueBytes) {
    if (metrics.putIfAbsent(cache, cacheMetrics) != null) {
      throw new IllegalStateException("this backend already serves a cache named '" + cache
          + "'; give each cache its own name");
    }
    LocalStore store = new LocalStore(cache);
    stores.put(cache, store);
    return store;
  }

  @Nullable LocalStore storeOf(String cache) {
    return stores.get(cache);
  }

  private void countEviction(String cache) {
    CacheMetrics m = metrics.get(cache);
    if (m != null) {
      m.eviction();
    }
  }

  Partition partition(TenantId tenant) {
    Partition p = partitions.get(tenant);
    return p != null ? p : partitions.computeIfAbsent(tenant, t -> new Partition());
  }

  /** Number of entries the tenant holds (for tests and diagnostics). */
  long entries(TenantId tenant) {
    Partition p = partitions.get(tenant);
    if (p == null) {
      return 0;
    }
    p.entries.cleanUp();
    return p.entries.estimatedSize();
  }

  @Override
  void invalidateTag(TenantId tenant, String tag) {
    partition(tenant).tagGenerations.computeIfAbsent(tag, t -> new AtomicLong()).incrementAndGet();
  }

  @Override
  void purge(TenantId tenant) {
    Partition p = partition(tenant);
    // The partition stays so generations only grow: a load that began before the purge writes a dead entry.
    p.generation.incrementAndGet();
    p.entries.invalidateAll();
  }

  /** Drops every entry of every tenant (the two-level backend does this when Redis becomes unreachable). */
  void clear() {
    for (Partition p : partitions.values()) {
      p.generation.incrementAndGet();
      p.entries.invalidateAll();
    }
  }

  LocalSnapshot snapshot(TenantId tenant, Set<String> tags) {
    Partition p = partition(tenant);
    return snapshot(p, tags);
  }

  private static LocalSnapshot snapshot(Partition p, Set<String> tags) {
    long g = p.generation.get();
    if (tags.isEmpty()) {
      return new LocalSnapshot(g, Map.of());
    }
    Map<String, Long> gens = new java.util.HashMap<>();
    for (String tag : tags) {
      gens.put(tag, p.tagGeneration(tag));
    }
    return new LocalSnapshot(g, gens);
  }

  @Override
  public void close() {
    partitions.clear();
  }

  @Override
  public String toString() {
    return "CacheBackend.inProcess(" + capacity + ", tenant capacity " + tenantCapacity + ")";
  }

  private void enforceCapacity(Partition inserter) {
    int guard = 0;
    while (size.get() > capacity && guard++ < 64) {
      Partition largest = inserter;
      long most = inserter.entries.estimatedSize();
      for (Partition p : partitions.values()) {
        long n = p.entries.estimatedSize();
        if (n > most) {
          most = n;
          largest = p;
        }
      }
      Iterator<LocalKey> coldest = largest.entries.policy().eviction()
          .map(e -> e.coldest(1).keySet().iterator()).orElse(null);
      if (coldest == null || !coldest.hasNext()) {
        return;
      }
      LocalKey victim = coldest.next();
      if (largest.entries.asMap().remove(victim) != null) {
        countEviction(victim.cache());
      }
    }
  }

  final class LocalStore implements Store {
    private final String cache;

    LocalStore(String cache) {
      this.cache = cache;
    }

    @Override
    public Lookup lookup(TenantId tenant, String key, Set<String> snapshotTags) {
      Partition p = partition(tenant);
      LocalKey k = new LocalKey(cache, key);
      LocalEntry e = p.entries.getIfPresent(k);
      if (e != null) {
        if (isCurrent(p, e)) {
          return Lookup.hit(e.value, e.tagSet);
        }
        p.entries.asMap().remove(k, e);
      }
      return Lookup.miss(snapshot(p, snapshotTags));
    }

    @Override
    public void write(TenantId tenant, String key, Object value, Set<String> tags, long ttlMillis,
        @Nullable Object snapshot) {
      writeNanos(tenant, key, value, tags, ttlMillis * 1_000_000L, snapshot);
    }

    void writeNanos(TenantId tenant, String key, Object value, Set<String> tags, long ttlNanos,
        @Nullable Object snapshot) {
      Partition p = partition(tenant);
      LocalSnapshot s = snapshot instanceof LocalSnapshot ls ? ls : snapshot(p, tags);
      String[] tagArray = tags.toArray(String[]::new);
      long[] gens = new long[tagArray.length];
      for (int i = 0; i < tagArray.length; i++) {
        Long g = s.tagGenerations().get(tagArray[i]);
        gens[i] = g != null ? g : p.tagGeneration(tagArray[i]);
      }
      p.entries.put(new LocalKey(cache, key),
          new LocalEntry(value, s.tenantGeneration(), tagArray, gens, System.nanoTime() + ttlNanos));
      size.incrementAndGet();
      enforceCapacity(p);
    }

    @Override
    public void invalidate(TenantId tenant, String key) {
      Partition p = partitions.get(tenant);
      if (p != null) {
        p.entries.invalidate(new LocalKey(cache, key));
      }
    }

    private boolean isCurrent(Partition p, LocalEntry e) {
      if (e.tenantGeneration != p.generation.get() || CoarseClock.nanoTime() - e.deadlineNanos >= 0) {
        return false;
      }
      for (int i = 0; i < e.tags.length; i++) {
        if (e.tagGenerations[i] != p.tagGeneration(e.tags[i])) {
          return false;
        }
      }
      return true;
    }
  }
}
