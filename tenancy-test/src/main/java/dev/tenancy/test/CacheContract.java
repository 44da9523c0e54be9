package dev.tenancy.test;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The tenant-cache contract, written once and run against every cache backend: random programs of reads,
 * read-throughs, writes, invalidations, tag invalidations and purges by random tenants, checked step by step
 * against a model of each tenant's entries. A read never returns another tenant's value nor a value invalidated
 * since; invalidating a tag or purging a tenant never touches another tenant's entries; and the key encoding is
 * injective over arbitrary strings (separators, braces, non-ASCII, lone surrogates).
 *
 * <p>The contract knows caches only through {@link Subject} and {@link KeyEncoding}, so the kit does not depend on
 * the cache module. A backend's test extends this class:
 *
 * <pre>{@code
 * class InProcessCacheContractTest extends CacheContract {
 *   private final CacheBackend backend = CacheBackend.inProcess(100_000, 0.5);
 *
 *   @Override
 *   protected Subject newCache(String name) {
 *     return subject(TenantCache.builder(name, CacheCodec.utf8()).backend(backend).ttl(Duration.ofMinutes(5)).build());
 *   }
 *
 *   @Override
 *   protected KeyEncoding keyEncoding() { return ...; }
 * }
 * }</pre>
 *
 * <p>The cache under test must keep every entry for the length of a program (at most 60 steps, a few keys): size
 * and TTL it so that nothing is evicted or expires, because a lost entry reads as a contract violation. Tries run
 * one at a time, each on a cache with a new name.
 */
public abstract class CacheContract {

  /**
   * A cache of strings as the contract drives it; every method but {@link #purgeTenant} acts for the tenant in
   * {@link TenantContext}.
   */
  public interface Subject {
    /**
     * Read-through.
     *
     * @param key the key
     * @param tags the tags of the entry if it is loaded
     * @param loader the loader
     * @return the cached or loaded value
     */
    String get(String key, Set<String> tags, Supplier<String> loader);

    /**
     * Reads without loading.
     *
     * @param key the key
     * @return the cached value, if any
     */
    Optional<String> getIfPresent(String key);

    /**
     * Writes.
     *
     * @param key the key
     * @param value the value
     * @param tags its tags
     */
    void put(String key, String value, Set<String> tags);

    /**
     * Removes one entry.
     *
     * @param key the key
     */
    void invalidate(String key);

    /**
     * Invalidates a tag of the current tenant.
     *
     * @param tag the tag
     */
    void invalidateTag(String tag);

    /**
     * Purges a tenant.
     *
     * @param tenant the tenant
     */
    void purgeTenant(TenantId tenant);
  }

  /** The cache's key encoding, as a round trip. */
  public interface KeyEncoding {
    /**
     * Encodes (tenant, cache, key) into the bytes the backend stores the entry under.
     *
     * @param tenant the tenant
     * @param cache the cache name
     * @param key the key
     * @return the stored key
     */
    byte[] encode(TenantId tenant, String cache, String key);

    /**
     * Decodes what {@link #encode} produced.
     *
     * @param encoded the stored key
     * @return tenant id, cache name and key, in that order
     */
    List<String> decode(byte[] encoded);
  }

  /** One operation of a program; the acting tenant comes from the {@link TenantStep}. */
  public sealed interface Op permits Get, Peek, Put, Invalidate, InvalidateTag, Purge {}

  /**
   * Read-through.
   *
   * @param key the key
   * @param tags tags of a loaded entry
   */
  public record Get(String key, Set<String> tags) implements Op {}

  /**
   * Read without loading.
   *
   * @param key the key
   */
  public record Peek(String key) implements Op {}

  /**
   * Write.
   *
   * @param key the key
   * @param tags the tags
   */
  public record Put(String key, Set<String> tags) implements Op {}

  /**
   * Single-key invalidation.
   *
   * @param key the key
   */
  public record Invalidate(String key) implements Op {}

  /**
   * Tag invalidation.
   *
   * @param tag the tag
   */
  public record InvalidateTag(String tag) implements Op {}

  /**
   * Purge of one of the program's tenants (chosen by index, modulo their number), by whichever tenant acts.
   *
   * @param target index of the tenant to purge
   */
  public record Purge(int target) implements Op {}

  private static final AtomicInteger CACHES = new AtomicInteger();
  private static final List<String> KEYS = List.of("a", "b", "a:b", "{x}", "\u00e4");
  private static final List<String> TAGS = List.of("invoices", "orders", "{x}:y");

  /** Creates the contract. */
  protected CacheContract() {}

  /**
   * Returns a new, empty cache of strings with the given name on the backend under test.
   *
   * @param name a cache name unique in this JVM, of {@code [a-z0-9-]}
   * @return the cache, seen through the contract's interface
   */
  protected abstract Subject newCache(String name);

  /**
   * Returns the backend's key encoding.
   *
   * @return the encoding
   */
  protected abstract KeyEncoding keyEncoding();

  /**
   * Random programs of 1 to 60 steps by 3 tenants.
   *
   * @return the arbitrary
   */
  @Provide
  public Arbitrary<List<TenantStep<Op>>> cachePrograms() {
    Arbitrary<String> keys = Arbitraries.of(KEYS);
    Arbitrary<Set<String>> tags = Arbitraries.of(TAGS).set().ofMaxSize(2);
    Arbitrary<Op> ops = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Combinators.combine(keys, tags).as(Get::new)),
        net.jqwik.api.Tuple.of(3, keys.map(Peek::new)),
        net.jqwik.api.Tuple.of(3, Combinators.combine(keys, tags).as(Put::new)),
        net.jqwik.api.Tuple.of(1, keys.map(Invalidate::new)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(TAGS).map(InvalidateTag::new)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 2).map(Purge::new)));
    return TenantArbitraries.interleavings(3, ops, 1, 60);
  }

  /**
   * Runs a program and checks every read against the model: a hit is exactly the acting tenant's latest value,
   * and a miss happens only where the model has no value.
   *
   * @param program the program
   */
  @Property(tries = 60)
  public void readsSeeOnlyTheirTenantsLatestValue(@ForAll("cachePrograms") List<TenantStep<Op>> program) {
    Subject cache = newCache("contract-" + CACHES.incrementAndGet());
    List<TenantId> tenants = new ArrayList<>(new LinkedHashSet<>(program.stream().map(TenantStep::tenant).toList()));
    Map<TenantId, Map<String, Model>> model = new HashMap<>();
    AtomicLong seq = new AtomicLong();
    int stepNo = 0;
    for (TenantStep<Op> step : program) {
      stepNo++;
      TenantId tenant = step.tenant();
      Map<String, Model> mine = model.computeIfAbsent(tenant, t -> new HashMap<>());
      String where = "step " + stepNo + " (" + step + ")";
      try (TenantScope scope = TenantContext.open(tenant)) {
        Op op = step.operation();
        if (op instanceof Get g) {
          Model expected = mine.get(g.key());
          String fresh = value(tenant, g.key(), seq.incrementAndGet());
          boolean[] loaded = {false};
          String got = cache.get(g.key(), g.tags(), () -> {
            loaded[0] = true;
            return fresh;
          });
          if (expected != null) {
            check(!loaded[0] && got.equals(expected.value), where + ": expected the cached '" + expected.value
                + "' but got '" + got + "'" + (loaded[0] ? " from the loader" : ""));
          } else {
            check(loaded[0] && got.equals(fresh), where + ": expected a miss and the loaded '" + fresh
                + "' but got '" + got + "'");
            mine.put(g.key(), new Model(fresh, g.tags()));
          }
        } else if (op instanceof Peek p) {
          Model expected = mine.get(p.key());
          Optional<String> got = cache.getIfPresent(p.key());
          check(Objects.equals(got.orElse(null), expected == null ? null : expected.value),
              where + ": expected " + (expected == null ? "a miss" : "'" + expected.value + "'") + " but got "
                  + got.map(v -> "'" + v + "'").orElse("a miss"));
        } else if (op instanceof Put p) {
          String v = value(tenant, p.key(), seq.incrementAndGet());
          cache.put(p.key(), v, p.tags());
          mine.put(p.key(), new Model(v, p.tags()));
        } else if (op instanceof Invalidate i) {
          cache.invalidate(i.key());
          mine.remove(i.key());
        } else if (op instanceof InvalidateTag t) {
          cache.invalidateTag(t.tag());
          mine.values().removeIf(m -> m.tags.contains(t.tag()));
        } else if (op instanceof Purge p) {
          TenantId target = tenants.get(p.target() % tenants.size());
          cache.purgeTenant(target);
          model.computeIfAbsent(target, t -> new HashMap<>()).clear();
        }
      }
    }
  }

  /**
   * Any strings round-trip through the key encoding, so no two distinct (tenant, cache, key) triples share a
   * stored key.
   *
   * @param tenant the tenant
   * @param cache the cache name
   * @param key the key
   */
  @Property(tries = 500)
  public void keyEncodingRoundTrips(@ForAll("tenantIds") TenantId tenant, @ForAll("anyStrings") String cache,
      @ForAll("anyStrings") String key) {
    List<String> decoded = keyEncoding().decode(keyEncoding().encode(tenant, cache, key));
    check(decoded.equals(List.of(tenant.value(), cache, key)),
        "(" + tenant + ", '" + cache + "', '" + key + "') decoded as " + decoded);
  }

  /**
   * Triples drawn from a tiny alphabet of separators and braces, where naive concatenation collides often, never
   * share a stored key unless they are equal.
   *
   * @param t1 first tenant
   * @param c1 first cache name
   * @param k1 first key
   * @param t2 second tenant
   * @param c2 second cache name
   * @param k2 second key
   */
  @Property(tries = 500)
  public void distinctTriplesNeverShareAKey(@ForAll("twoTenants") TenantId t1, @ForAll("separators") String c1,
      @ForAll("separators") String k1, @ForAll("twoTenants") TenantId t2, @ForAll("separators") String c2,
      @ForAll("separators") String k2) {
    boolean same = t1.equals(t2) && c1.equals(c2) && k1.equals(k2);
    boolean sameKey = Arrays.equals(keyEncoding().encode(t1, c1, k1), keyEncoding().encode(t2, c2, k2));
    check(same == sameKey, "(" + t1 + ", '" + c1 + "', '" + k1 + "') and (" + t2 + ", '" + c2 + "', '" + k2
        + "') " + (sameKey ? "share a stored key" : "differ in key though equal"));
  }

  /**
   * Valid tenant ids.
   *
   * @return the arbitrary
   */
  @Provide
  public Arbitrary<TenantId> tenantIds() {
    return TenantArbitraries.tenantIds();
  }

  /**
   * Two tenants whose ids are prefixes of one another.
   *
   * @return the arbitrary
   */
  @Provide
  public Arbitrary<TenantId> twoTenants() {
    return Arbitraries.of(TenantId.of("a"), TenantId.of("a1"));
  }

  /**
   * Strings of any characters, with separators, braces, non-ASCII and lone surrogates made likely.
   *
   * @return the arbitrary
   */
  @Provide
  public Arbitrary<String> anyStrings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(24),
        Arbitraries.strings().withChars(":{}|1\u00e4\u20ac\ud83d\ude00\ud800\udc00").ofMaxLength(12));
  }

  /**
   * Short strings of separator-like characters.
   *
   * @return the arbitrary
   */
  @Provide
  public Arbitrary<String> separators() {
    return Arbitraries.strings().withChars(":{}1a").ofMaxLength(4);
  }

  private static String value(TenantId tenant, String key, long seq) {
    return tenant.value() + "/" + key + "/" + seq;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }

  private record Model(String value, Set<String> tags) {}
}
