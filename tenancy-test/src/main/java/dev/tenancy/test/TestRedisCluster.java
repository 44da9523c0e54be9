package dev.tenancy.test;

import dev.tenancy.test.internal.Names;
import dev.tenancy.test.internal.RedisClusterInfo;
import dev.tenancy.test.internal.RedisClusters;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A key space for one test on the JVM's Redis Cluster (three masters): a unique key prefix, and every key under it
 * deleted on every master when closed.
 *
 * <p>The cluster comes from {@code TENANCY_TEST_REDIS_CLUSTER_URL} (a comma list of {@code redis://host:port}
 * seeds), else the kit starts three {@code redis-server} processes (from the PATH, else the embedded-redis jar's
 * binary) on loopback ports, stopped at JVM exit. With JUnit 5, declare a parameter of this type in a class
 * annotated {@link TenancyRedisCluster}; elsewhere use {@link #create()} in try-with-resources. Keys of one test
 * land on several masters unless the test puts a hash tag in them. Thread-safe.
 */
public final class TestRedisCluster implements AutoCloseable {
  private final RedisClusterInfo cluster;
  private final String keyPrefix;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestRedisCluster(RedisClusterInfo cluster, String keyPrefix) {
    this.cluster = cluster;
    this.keyPrefix = keyPrefix;
  }

  /**
   * Creates a key space on the JVM's cluster, starting that cluster on first use.
   *
   * @return the key space; close it to delete its keys
   * @throws IllegalStateException when no cluster can be found or started; the message says how to provide one
   */
  public static TestRedisCluster create() {
    return new TestRedisCluster(RedisClusters.shared(), "t-" + Names.hex(16) + ":");
  }

  /**
   * Returns the prefix this test's keys must start with, e.g. {@code t-3f9c0a1b2d4e5f60:}.
   *
   * @return the prefix this test's keys must start with, e.g. {@code t-3f9c0a1b2d4e5f60:}
   */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Returns a key under this test's prefix.
   *
   * @param suffix the rest of the key
   * @return {@code keyPrefix() + suffix}
   */
  public String key(String suffix) {
    return keyPrefix + Objects.requireNonNull(suffix, "suffix");
  }

  /**
   * Returns one {@code redis://host:port} URI per master.
   *
   * @return one {@code redis://host:port} URI per master
   */
  public List<String> nodeUris() {
    return cluster.masterUris();
  }

  /**
   * Returns a seed URI for a cluster client, e.g. {@code redis://127.0.0.1:23001}.
   *
   * @return a seed URI for a cluster client, e.g. {@code redis://127.0.0.1:23001}
   */
  public String uri() {
    return cluster.masterUris().get(0);
  }

  /**
   * Deletes every key under {@link #keyPrefix()} on every master (SCAN with MATCH, then UNLINK key by key, since
   * the keys live in different slots); later calls do nothing.
   *
   * @throws TestKitException when a master fails during cleanup
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (int i = 0; i < cluster.masters().size(); i++) {
      try {
        deleteKeys(cluster.masters().get(i));
      } catch (RuntimeException e) {
        throw new TestKitException("cannot delete the keys under " + keyPrefix + " on "
            + cluster.masterUris().get(i) + ": " + e.getMessage() + "; delete them by hand with redis-cli -c"
            + " --scan --pattern '" + keyPrefix + "*'", e);
      }
    }
  }

  private void deleteKeys(StatefulRedisConnection<String, String> master) {
    RedisCommands<String, String> redis = master.sync();
    // The prefix is "t-" + hex + ":", none of which are glob metacharacters, so MATCH needs no escaping.
    ScanArgs args = ScanArgs.Builder.matches(keyPrefix + "*").limit(1000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, args);
      for (String key : page.getKeys()) {
        redis.unlink(key);
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  @Override
  public String toString() {
    return "TestRedisCluster[" + keyPrefix + " on " + cluster.source() + "]";
  }
}
