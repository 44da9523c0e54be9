package dev.tenancy.test;

import dev.tenancy.test.internal.Names;
import dev.tenancy.test.internal.RedisServerInfo;
import dev.tenancy.test.internal.RedisServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Redis key space for one test: a unique key prefix on a shared server, and every key under it deleted when
 * closed.
 *
 * <p>With JUnit 5, declare a parameter of this type in a test or lifecycle method of a class annotated
 * {@link TenancyRedis}. Elsewhere use {@link #create()} in try-with-resources. Tests must put their keys under
 * {@link #keyPrefix()} (e.g. through {@link #key(String)}); that is what keeps parallel tests apart and what is
 * cleaned up. Thread-safe.
 */
public final class TestRedis implements AutoCloseable {
  private final RedisServerInfo server;
  private final String keyPrefix;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestRedis(RedisServerInfo server, String keyPrefix) {
    this.server = server;
    this.keyPrefix = keyPrefix;
  }

  /**
   * Creates a key space on the JVM's shared Redis server, starting that server on first use.
   *
   * @return the key space; close it to delete its keys
   * @throws IllegalStateException when no Redis server can be found or started; the message lists the ways to
   *     provide one
   */
  public static TestRedis create() {
    return create(RedisServers.shared());
  }

  static TestRedis create(RedisServerInfo server) {
    return new TestRedis(server, "t-" + Names.hex(16) + ":");
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
   * Returns the server URI, e.g. {@code redis://127.0.0.1:6379}, including a password if it has one.
   *
   * @return the server URI, e.g. {@code redis://127.0.0.1:6379}, including a password if it has one
   */
  public String uri() {
    return server.uri();
  }

  /**
   * Returns the server's host.
   *
   * @return the server's host
   */
  public String host() {
    return server.redisUri().getHost();
  }

  /**
   * Returns the server's port.
   *
   * @return the server's port
   */
  public int port() {
    return server.redisUri().getPort();
  }

  /**
   * Deletes every key under {@link #keyPrefix()} (SCAN with MATCH, then UNLINK); later calls do nothing.
   *
   * @throws TestKitException when Redis fails during cleanup
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      deleteKeys();
    } catch (RuntimeException e) {
      throw new TestKitException("cannot delete the keys under " + keyPrefix + " on " + uri() + ": " + e.getMessage()
          + "; delete them by hand with redis-cli --scan --pattern '" + keyPrefix + "*'", e);
    }
  }

  private void deleteKeys() {
    RedisCommands<String, String> redis = server.connection().sync();
    // The prefix is "t-" + hex + ":", none of which are glob metacharacters, so MATCH needs no escaping.
    ScanArgs args = ScanArgs.Builder.matches(keyPrefix + "*").limit(1000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, args);
      if (!page.getKeys().isEmpty()) {
        redis.unlink(page.getKeys().toArray(String[]::new));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  @Override
  public String toString() {
    return "TestRedis[" + keyPrefix + " on " + server.source() + "]";
  }
}
