package dev.tenancy.test.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds or starts the Redis Cluster the fixtures use: one per JVM, three masters on loopback ports, no replicas.
 * Thread-safe.
 */
public final class RedisClusters {
  private static final Logger LOG = LoggerFactory.getLogger(RedisClusters.class);
  private static final int MASTERS = 3;
  private static final int SLOTS = 16384;
  private static final Duration FORMING = Duration.ofSeconds(30);
  private static final Lazy<RedisClusterInfo> SHARED = new Lazy<>(() -> resolve(System.getenv()));

  private RedisClusters() {}

  /**
   * Returns the JVM-wide cluster, finding or starting it on the first call.
   *
   * @return the cluster
   * @throws IllegalStateException when none could be found or started; the message says how to provide one
   */
  public static RedisClusterInfo shared() {
    return SHARED.get();
  }

  /**
   * Tells the server gate whether the kit can provide a cluster here, without starting one.
   *
   * @param env the environment
   * @return available when a URL is set or a {@code redis-server} binary exists
   */
  static Availability availability(Map<String, String> env) {
    if (Env.get(env, Env.REDIS_CLUSTER_URL) != null || RedisProcess.binary() != null) {
      return Availability.available();
    }
    return Availability.unavailable(Env.REDIS_CLUSTER_URL + " is not set and " + RedisProcess.binaryFailure());
  }

  static RedisClusterInfo resolve(Map<String, String> env) {
    String url = Env.get(env, Env.REDIS_CLUSTER_URL);
    if (url != null) {
      return connect(url);
    }
    try {
      return start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("no Redis Cluster for tenancy-test: " + e.getMessage() + ". Provide one: "
          + GatedServer.REDIS_CLUSTER.howToProvide(), e);
    }
  }

  /**
   * Uses an existing cluster: asks the first seed that answers for its masters.
   *
   * @param seeds a comma list of {@code redis://host:port} URIs
   * @return the cluster
   */
  static RedisClusterInfo connect(String seeds) {
    List<String> failures = new ArrayList<>();
    for (String seed : seeds.split(",")) {
      if (seed.isBlank()) {
        continue;
      }
      RedisURI seedUri;
      try {
        seedUri = RedisURI.create(seed.trim());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(Env.REDIS_CLUSTER_URL + " must be a comma list of redis://HOST:PORT"
            + " seeds but contains '" + seed.trim() + "'", e);
      }
      RedisClient client = RedisClient.create(seedUri);
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        List<String> masters = masters(connection.sync().clusterNodes(), seed.trim());
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        return open(Env.REDIS_CLUSTER_URL, masters);
      } catch (RuntimeException e) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        failures.add(seed.trim() + ": " + e.getMessage());
      }
    }
    throw new IllegalStateException("cannot reach the Redis Cluster in " + Env.REDIS_CLUSTER_URL + " (" + failures
        + "); check that it runs and the seeds are right");
  }

  /** Parses CLUSTER NODES: the masters that are not failing, as URIs carrying the seed's credentials. */
  static List<String> masters(String clusterNodes, String seed) {
    List<String> masters = new ArrayList<>();
    URI seedUri = URI.create(seed);
    String userInfo = seedUri.getRawUserInfo() == null ? "" : seedUri.getRawUserInfo() + "@";
    for (String line : clusterNodes.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 3 || !f[2].contains("master") || f[2].contains("fail")) {
        continue;
      }
      String address = f[1].split("@")[0].split(",")[0];
      int colon = address.lastIndexOf(':');
      String host = address.substring(0, colon);
      if (host.isEmpty()) {
        host = seedUri.getHost();
      }
      masters.add("redis://" + userInfo + host + ":" + address.substring(colon + 1));
    }
    if (masters.isEmpty()) {
      throw new IllegalStateException("CLUSTER NODES lists no healthy master");
    }
    return masters;
  }

  private static RedisClusterInfo open(String source, List<String> masterUris) {
    List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    for (String uri : masterUris) {
      RedisClient client = RedisClient.create(uri);
      connections.add(client.connect());
      Shutdown.register("Redis client for " + uri, () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
    return new RedisClusterInfo(source, masterUris, connections);
  }

  /**
   * Starts three {@code redis-server} masters with {@code --cluster-enabled yes}, assigns the slots and joins
   * them; they are stopped at JVM exit.
   *
   * @return the cluster, in state ok
   */
  static RedisClusterInfo start() {
    IllegalStateException last = null;
    // Ports are picked free, but another process may take one first: a second set is enough.
    for (int attempt = 1; attempt <= 3; attempt++) {
      List<RedisProcess> nodes = new ArrayList<>();
      try {
        long begin = System.nanoTime();
        for (int port : clusterPorts()) {
          nodes.add(RedisProcess.start(port, List.of("--cluster-enabled", "yes", "--cluster-config-file",
              "nodes.conf", "--cluster-node-timeout", "5000")));
        }
        List<String> uris = nodes.stream().map(n -> "redis://127.0.0.1:" + n.port()).toList();
        RedisClusterInfo info = open("redis-server " + RedisProcess.binary() + " (3 masters)", uris);
        form(info);
        Shutdown.register("Redis Cluster on ports " + nodes.stream().map(RedisProcess::port).toList(), () -> {
          for (RedisProcess node : nodes) {
            node.destroy();
          }
        });
        LOG.info("tenancy-test: started a Redis Cluster on {} in {} ms", uris, (System.nanoTime() - begin) / 1_000_000);
        return info;
      } catch (IllegalStateException e) {
        last = e;
        nodes.forEach(RedisProcess::destroy);
        LOG.debug("tenancy-test: Redis Cluster start attempt {} failed", attempt, e);
      }
    }
    throw last;
  }

  private static void form(RedisClusterInfo info) {
    List<StatefulRedisConnection<String, String>> masters = info.masters();
    for (int i = 0; i < MASTERS; i++) {
      int from = SLOTS * i / MASTERS;
      int to = SLOTS * (i + 1) / MASTERS;
      // ADDSLOTS rather than ADDSLOTSRANGE: the embedded-redis binary is Redis 6.2, which lacks the range form.
      masters.get(i).sync().clusterAddSlots(IntStream.range(from, to).toArray());
    }
    for (int i = 1; i < MASTERS; i++) {
      masters.get(0).sync().clusterMeet("127.0.0.1", RedisURI.create(info.masterUris().get(i)).getPort());
    }
    long deadline = System.nanoTime() + FORMING.toNanos();
    String lastInfo = "";
    while (System.nanoTime() < deadline) {
      boolean ok = true;
      for (StatefulRedisConnection<String, String> master : masters) {
        lastInfo = master.sync().clusterInfo();
        if (!lastInfo.contains("cluster_state:ok") || !lastInfo.contains("cluster_known_nodes:" + MASTERS)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the Redis Cluster formed", e);
      }
    }
    throw new IllegalStateException("the Redis Cluster did not reach cluster_state:ok within " + FORMING
        + "; last CLUSTER INFO: " + lastInfo.replace("\r\n", " "));
  }

  /** Three distinct ports p with p and p + 10000 (the cluster bus) free on loopback. */
  private static int[] clusterPorts() {
    int[] ports = new int[MASTERS];
    int found = 0;
    for (int tries = 0; found < MASTERS && tries < 1000; tries++) {
      int candidate = ThreadLocalRandom.current().nextInt(20000, 30000);
      boolean taken = false;
      for (int i = 0; i < found; i++) {
        taken |= ports[i] == candidate;
      }
      if (!taken && free(candidate) && free(candidate + 10000)) {
        ports[found++] = candidate;
      }
    }
    if (found < MASTERS) {
      throw new IllegalStateException("found no free loopback ports for a Redis Cluster in 20000-39999");
    }
    return ports;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort() == port;
    } catch (IOException e) {
      return false;
    }
  }
}
