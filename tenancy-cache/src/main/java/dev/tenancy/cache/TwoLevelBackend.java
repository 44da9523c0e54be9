package dev.tenancy.cache;

import dev.tenancy.TenantId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caffeine in front of Redis. Every invalidation goes to Redis (the source of truth) and is published on the
 * namespace's channel; each instance applies the messages to its in-process level. While Redis is unreachable the
 * in-process level is cleared and bypassed (messages may be missed then), and it is cleared again when Redis
 * answers. An in-process copy lives at most {@code localTtl}.
 */
final class TwoLevelBackend extends CacheBackend {

  private static final Logger LOG = LoggerFactory.getLogger(TwoLevelBackend.class);

  /** Generations of both levels captured by a miss. */
  record TwoSnapshot(@Nullable Object local, Object remote) {}

  private final InProcessBackend local;
  private final RedisBackend remote;
  private final long localTtlMillis;

  TwoLevelBackend(InProcessBackend local, RedisBackend remote, Duration localTtl) {
    this.local = local;
    this.remote = remote;
    this.localTtlMillis = Math.max(1, localTtl.toMillis());
    remote.onStateChange(local::clear);
    remote.publishInvalidations(this::receive);
  }

  private void receive(byte[] message) {
    try {
      if (message.length == 0) {
        return;
      }
      byte kind = message[0];
      byte[] rest = Arrays.copyOfRange(message, 1, message.length);
      if (kind == 'k') {
        String[] parts = remote.keys().decodeEntry(rest);
        InProcessBackend.LocalStore store = local.storeOf(parts[1]);
        if (store != null) {
          store.invalidate(TenantId.of(parts[0]), parts[2]);
        }
      } else if (kind == 't') {
        int space = 0;
        while (rest[space] != ' ') {
          space++;
        }
        TenantId tenant = TenantId.of(new String(rest, 0, space, StandardCharsets.US_ASCII));
        local.invalidateTag(tenant, Keys.unwtf8(rest, space + 1, rest.length));
      } else if (kind == 'p') {
        local.purge(TenantId.of(new String(rest, StandardCharsets.US_ASCII)));
      }
    } catch (RuntimeException e) {
      LOG.warn("ignoring a malformed invalidation message", e);
    }
  }

  RedisBackend remote() {
    return remote;
  }

  @Override
  Store bind(String cache, CacheCodec<?> codec, CacheMetrics metrics, int maxValueBytes) {
    Store l = local.bind(cache, codec, metrics, maxValueBytes);
    Store r = remote.bind(cache, codec, metrics, maxValueBytes);
    return new TwoLevelStore((InProcessBackend.LocalStore) l, r);
  }

  @Override
  void invalidateTag(TenantId tenant, String tag) {
    local.invalidateTag(tenant, tag);
    remote.invalidateTag(tenant, tag);
  }

  @Override
  void purge(TenantId tenant) {
    local.purge(tenant);
    remote.purge(tenant);
  }

  @Override
  public void close() {
    try {
      remote.close();
    } finally {
      local.close();
    }
  }

  @Override
  public String toString() {
    return "CacheBackend.twoLevel(" + local + ", " + remote + ")";
  }

  final class TwoLevelStore implements Store {
    private final InProcessBackend.LocalStore l1;
    private final Store l2;

    TwoLevelStore(InProcessBackend.LocalStore l1, Store l2) {
      this.l1 = l1;
      this.l2 = l2;
    }

    @Override
    public Lookup lookup(TenantId tenant, String key, Set<String> snapshotTags) {
      if (!remote.isUp()) {
        return Lookup.unavailable();
      }
      Lookup first = l1.lookup(tenant, key, snapshotTags);
      if (first.isHit()) {
        return first;
      }
      // The local snapshot is taken before Redis is read: a message that arrives in between makes the copy
      // written below stale at once.
      return combine(tenant, key, first, l2.lookup(tenant, key, snapshotTags));
    }

    @Override
    public CompletableFuture<Lookup> lookupAsync(TenantId tenant, String key, Set<String> snapshotTags) {
      if (!remote.isUp()) {
        return CompletableFuture.completedFuture(Lookup.unavailable());
      }
      Lookup first = l1.lookup(tenant, key, snapshotTags);
      if (first.isHit()) {
        return CompletableFuture.completedFuture(first);
      }
      return l2.lookupAsync(tenant, key, snapshotTags).thenApply(second -> combine(tenant, key, first, second));
    }

    private Lookup combine(TenantId tenant, String key, Lookup first, Lookup second) {
      if (second.isHit()) {
        Object value = second.value;
        if (value != null && remote.isUp()) {
          l1.write(tenant, key, value, second.tags, localTtlMillis, first.snapshot);
        }
        return second;
      }
      Object remoteSnapshot = second.snapshot;
      if (!second.isAvailable() || remoteSnapshot == null) {
        return Lookup.unavailable();
      }
      return Lookup.miss(new TwoSnapshot(first.snapshot, remoteSnapshot));
    }

    @Override
    public void write(TenantId tenant, String key, Object value, Set<String> tags, long ttlMillis,
        @Nullable Object snapshot) {
      TwoSnapshot s = snapshot instanceof TwoSnapshot ts ? ts : null;
      l2.write(tenant, key, value, tags, ttlMillis, s == null ? null : s.remote());
      if (remote.isUp()) {
        l1.write(tenant, key, value, tags, Math.min(ttlMillis, localTtlMillis), s == null ? null : s.local());
      }
    }

    @Override
    public void invalidate(TenantId tenant, String key) {
      l1.invalidate(tenant, key);
      l2.invalidate(tenant, key);
    }

    @Override
    public boolean tryLease(TenantId tenant, String key, long millis, byte[] token) {
      return l2.tryLease(tenant, key, millis, token);
    }

    @Override
    public void releaseLease(TenantId tenant, String key, byte[] token) {
      l2.releaseLease(tenant, key, token);
    }
  }
}
