package dev.tenancy.ratelimit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/** The Lua scripts, run by {@code EVALSHA} with a fall-back to {@code EVAL} when the server does not have them. */
final class RedisScripts {

  /**
   * GCRA over one to three levels, all or nothing. ARGV: now in microseconds (negative: use the server's TIME),
   * permits, extra key lifetime in ms, then interval and tolerance in microseconds per key. A key lives until its
   * TAT has passed (then it is as good as absent); with a caller's clock, which need not follow real time, the extra
   * lifetime keeps keys alive between the caller's ticks. Returns {allowed, level, remaining, reset, retry}.
   */
  static final String GCRA = String.join("\n",
      "local now = tonumber(ARGV[1])",
      "if now < 0 then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000000 + tonumber(t[2]) end",
      "local permits = tonumber(ARGV[2])",
      "local tats = {}",
      "local best, bestRemaining, bestReset = 0, -1, 0",
      "for i = 1, #KEYS do",
      "  local interval = tonumber(ARGV[2 + 2 * i])",
      "  local tolerance = tonumber(ARGV[3 + 2 * i])",
      "  local tat = tonumber(redis.call('GET', KEYS[i]))",
      "  if tat == nil or tat < now then tat = now end",
      "  local newTat = tat + permits * interval",
      "  local allowAt = newTat - tolerance",
      "  if allowAt > now then",
      "    local remaining = math.floor((tolerance - (tat - now)) / interval)",
      "    if remaining < 0 then remaining = 0 end",
      "    return {0, i, remaining, tat - now, allowAt - now}",
      "  end",
      "  tats[i] = newTat",
      "  local remaining = math.floor((tolerance - (newTat - now)) / interval)",
      "  if bestRemaining < 0 or remaining < bestRemaining then",
      "    best, bestRemaining, bestReset = i, remaining, newTat - now",
      "  end",
      "end",
      "for i = 1, #KEYS do",
      "  redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + tonumber(ARGV[3]))",
      "end",
      "return {1, best, bestRemaining, bestReset, 0}");

  /**
   * Lease acquisition in a sorted set scored by expiry. ARGV: now in ms (negative: server TIME), lease id,
   * lease time ms, limit. Returns {granted, in-flight after, ms until the earliest lease expires}.
   */
  static final String ACQUIRE = String.join("\n",
      "local now = tonumber(ARGV[1])",
      "if now < 0 then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end",
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "local held = redis.call('ZCARD', KEYS[1])",
      "if held >= tonumber(ARGV[4]) then",
      "  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')",
      "  return {0, held, tonumber(first[2]) - now}",
      "end",
      "local expiry = now + tonumber(ARGV[3])",
      "redis.call('ZADD', KEYS[1], expiry, ARGV[2])",
      "local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
      "redis.call('PEXPIRE', KEYS[1], tonumber(last[2]) - now + 1000)",
      "return {1, held + 1, 0}");

  /** Lease release: ZREM. */
  static final String RELEASE = "return redis.call('ZREM', KEYS[1], ARGV[1])";

  final String gcraSha = sha1(GCRA);
  final String acquireSha = sha1(ACQUIRE);
  final String releaseSha = sha1(RELEASE);

  private final RedisScriptingAsyncCommands<String, String> commands;

  RedisScripts(RedisScriptingAsyncCommands<String, String> commands) {
    this.commands = commands;
  }

  /** The scripts over whichever connection was configured, or null for none. */
  static @Nullable RedisScripts of(@Nullable StatefulRedisConnection<String, String> redis,
      @Nullable StatefulRedisClusterConnection<String, String> cluster) {
    if (redis != null) {
      return new RedisScripts(redis.async());
    }
    return cluster == null ? null : new RedisScripts(cluster.async());
  }

  /** Starts a script; a NOSCRIPT reply is retried by the caller through {@link #eval}. */
  RedisFuture<List<Object>> evalsha(String sha, String[] keys, String... args) {
    return commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
  }

  RedisFuture<List<Object>> eval(String script, String[] keys, String... args) {
    return commands.eval(script, ScriptOutputType.MULTI, keys, args);
  }

  /** Runs a script and waits at most {@code timeoutNanos}, loading it on NOSCRIPT. */
  List<Object> call(String script, String sha, long timeoutNanos, String[] keys, String... args)
      throws ExecutionException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      return evalsha(sha, keys, args).get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof RedisNoScriptException)) {
        throw e;
      }
      return eval(script, keys, args).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
  }

  static boolean isNoScript(Throwable error) {
    Throwable t = error;
    while (t != null) {
      if (t instanceof RedisNoScriptException) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }

  static long asLong(Object value) {
    return ((Number) value).longValue();
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
  }
}
