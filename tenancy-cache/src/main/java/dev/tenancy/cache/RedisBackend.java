package dev.tenancy.cache;

import dev.tenancy.TenantId;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis through one shared Lettuce connection.
 *
 * <p>An entry is stored as an envelope: its tags with the tag generations it was written under, the tenant
 * generation, then the encoded value. A read is one script call on the tenant's slot that returns the envelope and
 * the current generations of the tenant and of the envelope's tags, so a hit costs one round trip; the envelope's
 * generations must all equal the current ones. {@code invalidateTag} and {@code purge} increment one counter each
 * (O(1), atomic, on the tenant's slot, so they work on Redis Cluster). A missing counter (never set, or lost with a
 * restart or eviction) is created from the server clock in microseconds, so it never comes back to a value an old
 * entry carries.
 *
 * <p>When Redis fails or is slower than the timeout, the backend is marked down: reads report "unavailable" (the
 * cache calls the loader), writes are dropped and counted, and invalidations are queued. A dropped standalone
 * connection and a failed heartbeat (every second) mark it down too. While down, a probe pings every 200 ms; when
 * Redis answers, the queued invalidations are replayed in order, and only then is Redis used again.
 */
final class RedisBackend extends CacheBackend {

  private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);

  // Returns {entry or nil, tenant generation, generations of the entry's tags..., generations of ARGV[2..]...}.
  static final String READ = """
      local function gen(k)
        local g = redis.call('GET', k)
        if not g then
          local t = redis.call('TIME')
          g = t[1] .. string.format('%06d', tonumber(t[2]))
          redis.call('SET', k, g)
        end
        return g
      end
      local v = redis.call('GET', KEYS[1])
      local res = {v, gen(KEYS[2])}
      local n = 0
      if v then
        n = string.byte(v, 1)
        local pos = 2
        for i = 1, n do
          local len = string.byte(v, pos) * 256 + string.byte(v, pos + 1)
          local tag = string.sub(v, pos + 2, pos + 1 + len)
          pos = pos + 2 + len
          pos = pos + 1 + string.byte(v, pos)
          res[2 + i] = gen(ARGV[1] .. tag)
        end
      end
      for i = 2, #ARGV do
        res[1 + n + i] = gen(ARGV[1] .. ARGV[i])
      end
      return res
      """;

  // Increments a generation counter, creating it from the clock first if it is missing.
  static final String BUMP = """
      if redis.call('EXISTS', KEYS[1]) == 0 then
        local t = redis.call('TIME')
        redis.call('SET', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])))
      end
      return redis.call('INCR', KEYS[1])
      """;

  // Deletes a lease only if it still holds this caller's token.
  static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('DEL', KEYS[1])
      end
      return 0
      """;

  /** Generations captured by a miss. */
  record RedisSnapshot(byte[] tenantGeneration, Map<String, byte[]> tagGenerations) {}

  /** An invalidation, kept in order while Redis is unavailable and replayed when it answers. */
  sealed interface Invalidation permits KeyInvalidation, TagInvalidation, Purge {}

  record KeyInvalidation(TenantId tenant, String cache, String key) implements Invalidation {}

  record TagInvalidation(TenantId tenant, String tag) implements Invalidation {}

  record Purge(TenantId tenant) implements Invalidation {}

  private final RedisLink link;
  private final Keys keys;
  private final String namespace;
  private final long timeoutNanos;
  private final byte[] readSha;
  private final byte[] bumpSha;
  private final byte[] channel;
  private volatile boolean up = true;
  private volatile boolean publish;
  private volatile boolean closed;
  private int ticks;
  private final Object stateLock = new Object();
  private final ConcurrentLinkedQueue<Invalidation> pending = new ConcurrentLinkedQueue<>();
  private final CopyOnWriteArrayList<Runnable> stateListeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, CacheMetrics> metrics = new ConcurrentHashMap<>();
  private final ScheduledExecutorService probe;

  RedisBackend(RedisLink link, Keys keys, String namespace, Duration timeout) {
    this.link = link;
    this.keys = keys;
    this.namespace = namespace;
    this.timeoutNanos = timeout.toNanos();
    this.readSha = sha1(READ);
    this.bumpSha = sha1(BUMP);
    this.channel = (namespace + "invalidations").getBytes(StandardCharsets.UTF_8);
    this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tenancy-cache-redis-probe");
      t.setDaemon(true);
      return t;
    });
    probe.scheduleWithFixedDelay(this::probe, 200, 200, TimeUnit.MILLISECONDS);
    link.onDisconnect(() -> {
      if (!closed) {
        markDown(new IllegalStateException("connection lost"), null);
      }
    });
  }

  private static byte[] sha1(String script) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).getBytes(StandardCharsets.US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }

  boolean isUp() {
    return up;
  }

  Keys keys() {
    return keys;
  }

  /** Registers a callback run when Redis goes down and when it comes back. */
  void onStateChange(Runnable listener) {
    stateListeners.add(listener);
  }

  /** Publishes invalidations on the namespace's channel and delivers the channel's messages to {@code receiver}. */
  void publishInvalidations(java.util.function.Consumer<byte[]> receiver) {
    link.subscribe(channel, receiver);
    publish = true;
  }

  @Override
  Store bind(String cache, CacheCodec<?> codec, CacheMetrics cacheMetrics, int maxValueBytes) {
    if (metrics.putIfAbsent(cache, cacheMetrics) != null) {
      throw new IllegalStateException("this backend already serves a cache named '" + cache
          + "'; give each cache its own name");
    }
    @SuppressWarnings("unchecked")
    CacheCodec<Object> c = (CacheCodec<Object>) codec;
    return new RedisStore(cache, c, cacheMetrics, maxValueBytes);
  }

  // ---- failure handling ----

  private void markDown(Throwable e, @Nullable CacheMetrics m) {
    if (m != null) {
      m.error("backend");
    }
    if (e instanceof RedisCommandExecutionException && !(e instanceof RedisNoScriptException)) {
      return; // Redis answered; the connection is fine.
    }
    boolean changed;
    synchronized (stateLock) {
      changed = up;
      up = false;
    }
    if (changed) {
      LOG.warn("Redis at {} is unavailable ({}); caches call their loaders and queue invalidations until it answers",
          link, e.toString());
      fireStateChange();
    }
  }

  private void fireStateChange() {
    for (Runnable r : stateListeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("a cache state listener failed", e);
      }
    }
  }

  private void probe() {
    if (up) {
      // A heartbeat every second finds an outage that no command has met yet (a silent partition), so a
      // two-level cache stops serving in-process copies within about a second plus the timeout.
      if (++ticks % 5 == 0) {
        try {
          await(link.base.ping().toCompletableFuture());
        } catch (Exception e) {
          if (!closed) {
            markDown(e, null);
          }
        }
      }
      return;
    }
    try {
      synchronized (stateLock) {
        await(link.base.ping().toCompletableFuture());
        Invalidation next;
        while ((next = pending.peek()) != null) {
          execute(next);
          pending.poll();
        }
        up = true;
      }
      LOG.info("Redis at {} answers again; queued invalidations replayed, caching resumed", link);
      fireStateChange();
    } catch (Exception e) {
      LOG.debug("Redis at {} still unavailable: {}", link, e.toString());
    }
  }

  private <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof Exception ex ? ex : e;
    } catch (TimeoutException e) {
      f.cancel(false);
      throw e;
    }
  }

  private CompletableFuture<List<Object>> script(String body, byte[] sha, byte[][] scriptKeys, byte[]... args) {
    String digest = new String(sha, StandardCharsets.US_ASCII);
    CompletableFuture<List<Object>> f = link.scripting
        .<List<Object>>evalsha(digest, ScriptOutputType.MULTI, scriptKeys, args).toCompletableFuture();
    return f.exceptionallyCompose(e -> {
      Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (c instanceof RedisNoScriptException) {
        return link.scripting.<List<Object>>eval(body, ScriptOutputType.MULTI, scriptKeys, args).toCompletableFuture();
      }
      return CompletableFuture.failedFuture(c);
    });
  }

  private CompletableFuture<Long> bump(byte[] key) {
    String digest = new String(bumpSha, StandardCharsets.US_ASCII);
    byte[][] k = {key};
    CompletableFuture<Long> f = link.scripting.<Long>evalsha(digest, ScriptOutputType.INTEGER, k).toCompletableFuture();
    return f.exceptionallyCompose(e -> {
      Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (c instanceof RedisNoScriptException) {
        return link.scripting.<Long>eval(BUMP, ScriptOutputType.INTEGER, k).toCompletableFuture();
      }
      return CompletableFuture.failedFuture(c);
    });
  }

  // ---- invalidations ----

  @Override
  void invalidateTag(TenantId tenant, String tag) {
    submit(new TagInvalidation(tenant, tag));
  }

  @Override
  void purge(TenantId tenant) {
    submit(new Purge(tenant));
  }

  void invalidateKey(TenantId tenant, String cache, String key) {
    submit(new KeyInvalidation(tenant, cache, key));
  }

  private void submit(Invalidation inv) {
    synchronized (stateLock) {
      if (!up) {
        pending.add(inv);
        return;
      }
    }
    try {
      execute(inv);
    } catch (Exception e) {
      synchronized (stateLock) {
        pending.add(inv);
      }
      markDown(e, null);
    }
  }

  private void execute(Invalidation inv) throws Exception {
    byte[] message;
    if (inv instanceof KeyInvalidation k) {
      byte[] key = keys.entry(k.tenant(), k.cache(), k.key());
      await(link.keys.unlink(key).toCompletableFuture());
      message = concat((byte) 'k', key);
    } else if (inv instanceof TagInvalidation t) {
      await(bump(keys.tagGeneration(t.tenant(), t.tag())));
      message = concat((byte) 't', (t.tenant().value() + " ").getBytes(StandardCharsets.US_ASCII), Keys.wtf8(t.tag()));
    } else {
      Purge p = (Purge) inv;
      await(bump(keys.tenantGeneration(p.tenant())));
      message = concat((byte) 'p', p.tenant().value().getBytes(StandardCharsets.US_ASCII));
    }
    if (publish) {
      link.base.publish(channel, message);
    }
  }

  private static byte[] concat(byte kind, byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(kind);
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Number of invalidations waiting for Redis (for tests and diagnostics). */
  int pendingInvalidations() {
    return pending.size();
  }

  @Override
  public void close() {
    closed = true;
    probe.shutdownNow();
    link.close();
  }

  @Override
  public String toString() {
    return "CacheBackend." + link + " namespace '" + namespace + "'";
  }

  // ---- envelope ----

  static byte[] envelope(String[] tags, byte[][] tagGenerations, byte[] tenantGeneration, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 16 + tags.length * 24);
    out.write(tags.length);
    for (int i = 0; i < tags.length; i++) {
      byte[] t = Keys.wtf8(tags[i]);
      out.write(t.length >> 8);
      out.write(t.length & 0xFF);
      out.writeBytes(t);
      out.write(tagGenerations[i].length);
      out.writeBytes(tagGenerations[i]);
    }
    out.write(tenantGeneration.length);
    out.writeBytes(tenantGeneration);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  final class RedisStore implements Store {
    private final String cache;
    private final CacheCodec<Object> codec;
    private final CacheMetrics metrics;
    private final int maxValueBytes;

    RedisStore(String cache, CacheCodec<Object> codec, CacheMetrics metrics, int maxValueBytes) {
      this.cache = cache;
      this.codec = codec;
      this.metrics = metrics;
      this.maxValueBytes = maxValueBytes;
    }

    @Override
    public Lookup lookup(TenantId tenant, String key, Set<String> snapshotTags) {
      if (!up) {
        return Lookup.unavailable();
      }
      String[] requested = snapshotTags.toArray(String[]::new);
      List<Object> res;
      try {
        res = await(read(tenant, key, requested));
      } catch (Exception e) {
        markDown(e, metrics);
        return Lookup.unavailable();
      }
      return toLookup(res, requested);
    }

    @Override
    public CompletableFuture<Lookup> lookupAsync(TenantId tenant, String key, Set<String> snapshotTags) {
      if (!up) {
        return CompletableFuture.completedFuture(Lookup.unavailable());
      }
      String[] requested = snapshotTags.toArray(String[]::new);
      return read(tenant, key, requested).orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).handle((res, e) -> {
        if (e != null) {
          markDown(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e, metrics);
          return Lookup.unavailable();
        }
        return toLookup(res, requested);
      });
    }

    private CompletableFuture<List<Object>> read(TenantId tenant, String key, String[] requested) {
      byte[][] scriptKeys = {keys.entry(tenant, cache, key), keys.tenantGeneration(tenant)};
      byte[][] args = new byte[1 + requested.length][];
      args[0] = keys.tagPrefix(tenant);
      for (int i = 0; i < requested.length; i++) {
        args[1 + i] = Keys.wtf8(requested[i]);
      }
      return script(READ, readSha, scriptKeys, args);
    }

    private Lookup toLookup(List<Object> res, String[] requested) {
      byte @Nullable [] entry = (byte[]) res.get(0);
      byte[] tenantGen = (byte[]) res.get(1);
      int stored = 0;
      if (entry != null) {
        stored = entry[0] & 0xFF;
        Object hit = decodeIfCurrent(entry, tenantGen, res);
        if (hit instanceof Lookup l) {
          return l;
        }
      }
      Map<String, byte[]> gens = requested.length == 0 ? Map.of() : new java.util.HashMap<>();
      for (int i = 0; i < requested.length; i++) {
        gens.put(requested[i], (byte[]) res.get(2 + stored + i));
      }
      return Lookup.miss(new RedisSnapshot(tenantGen, gens));
    }

    private @Nullable Object decodeIfCurrent(byte[] v, byte[] tenantGen, List<Object> res) {
      int n = v[0] & 0xFF;
      int pos = 1;
      Set<String> tags = n == 0 ? Set.of() : new LinkedHashSet<>();
      for (int i = 0; i < n; i++) {
        int len = ((v[pos] & 0xFF) << 8) | (v[pos + 1] & 0xFF);
        String tag = Keys.unwtf8(v, pos + 2, pos + 2 + len);
        pos += 2 + len;
        int glen = v[pos] & 0xFF;
        byte[] current = (byte[]) res.get(2 + i);
        if (!Arrays.equals(v, pos + 1, pos + 1 + glen, current, 0, current.length)) {
          return null;
        }
        pos += 1 + glen;
        tags.add(tag);
      }
      int tlen = v[pos] & 0xFF;
      if (!Arrays.equals(v, pos + 1, pos + 1 + tlen, tenantGen, 0, tenantGen.length)) {
        return null;
      }
      pos += 1 + tlen;
      try {
        Object value = codec.decode(Arrays.copyOfRange(v, pos, v.length));
        return Lookup.hit(value, n == 0 ? Set.of() : Set.copyOf(tags));
      } catch (RuntimeException e) {
        metrics.error("codec");
        LOG.warn("cache '{}': cannot decode a stored value, treating it as a miss: {}", cache, e.toString());
        return null;
      }
    }

    @Override
    public void write(TenantId tenant, String key, Object value, Set<String> tags, long ttlMillis,
        @Nullable Object snapshot) {
      byte[] payload = codec.encode(value);
      if (payload.length > maxValueBytes) {
        throw new CacheValueTooLargeException("cache '" + cache + "': the value of key '" + key + "' is "
            + payload.length + " bytes encoded, over the limit of " + maxValueBytes
            + "; raise TenantCache.Builder.maxValueBytes or cache something smaller");
      }
      if (!up) {
        metrics.droppedWrite();
        return;
      }
      RedisSnapshot s = snapshot instanceof RedisSnapshot rs && rs.tagGenerations().keySet().containsAll(tags)
          ? rs : currentGenerations(tenant, tags);
      if (s == null) {
        metrics.droppedWrite();
        return;
      }
      String[] tagArray = tags.toArray(String[]::new);
      byte[][] gens = new byte[tagArray.length][];
      for (int i = 0; i < tagArray.length; i++) {
        gens[i] = s.tagGenerations().get(tagArray[i]);
      }
      byte[] envelope = envelope(tagArray, gens, s.tenantGeneration(), payload);
      CompletableFuture<String> set = link.strings.set(keys.entry(tenant, cache, key), envelope,
          SetArgs.Builder.px(ttlMillis)).toCompletableFuture();
      if (snapshot == null) {
        // An explicit put waits for Redis, so another instance reads the value as soon as put returns.
        try {
          await(set);
        } catch (Exception e) {
          metrics.droppedWrite();
          markDown(e, metrics);
        }
        return;
      }
      // A read-through write does not hold up the caller, who already has the value.
      set.whenComplete((ok, e) -> {
        if (e != null) {
          metrics.droppedWrite();
          markDown(e, metrics);
        }
      });
    }

    private @Nullable RedisSnapshot currentGenerations(TenantId tenant, Set<String> tags) {
      // A lookup of an entry that is never written fetches just the generations.
      Lookup l = lookupGenerations(tenant, tags);
      return l.snapshot instanceof RedisSnapshot s ? s : null;
    }

    private Lookup lookupGenerations(TenantId tenant, Set<String> tags) {
      byte[][] scriptKeys = {generationsOnlyKey(tenant), keys.tenantGeneration(tenant)};
      byte[][] args = new byte[1 + tags.size()][];
      args[0] = keys.tagPrefix(tenant);
      String[] requested = tags.toArray(String[]::new);
      for (int i = 0; i < requested.length; i++) {
        args[1 + i] = Keys.wtf8(requested[i]);
      }
      try {
        List<Object> res = await(script(READ, readSha, scriptKeys, args));
        Map<String, byte[]> gens = new java.util.HashMap<>();
        for (int i = 0; i < requested.length; i++) {
          gens.put(requested[i], (byte[]) res.get(2 + i));
        }
        return Lookup.miss(new RedisSnapshot((byte[]) res.get(1), gens));
      } catch (Exception e) {
        markDown(e, metrics);
        return Lookup.unavailable();
      }
    }

    private byte[] generationsOnlyKey(TenantId tenant) {
      // A key of the tenant's slot that nothing writes, so the read script returns just the generations.
      byte[] g = keys.tenantGeneration(tenant);
      byte[] k = Arrays.copyOf(g, g.length + 1);
      k[g.length] = '-';
      return k;
    }

    @Override
    public void invalidate(TenantId tenant, String key) {
      invalidateKey(tenant, cache, key);
    }

    @Override
    public boolean tryLease(TenantId tenant, String key, long millis, byte[] token) {
      if (!up) {
        return true;
      }
      try {
        String ok = await(link.strings.set(keys.lease(tenant, cache, key), token,
            SetArgs.Builder.nx().px(millis)).toCompletableFuture());
        return "OK".equals(ok);
      } catch (Exception e) {
        markDown(e, metrics);
        return true;
      }
    }

    @Override
    public void releaseLease(TenantId tenant, String key, byte[] token) {
      if (up) {
        byte[][] k = {keys.lease(tenant, cache, key)};
        link.scripting.eval(RELEASE, ScriptOutputType.INTEGER, k, token);
      }
    }
  }

}
