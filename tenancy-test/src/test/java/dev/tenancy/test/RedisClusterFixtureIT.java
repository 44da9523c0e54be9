package dev.tenancy.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

@TenancyRedisCluster
class RedisClusterFixtureIT {

  @Test
  void threeMastersServeEverySlotAndClusterClientsWork(TestRedisCluster cluster) {
    assertThat(cluster.nodeUris()).hasSize(3).doesNotHaveDuplicates().allMatch(u -> u.startsWith("redis://"));
    assertThat(cluster.uri()).isEqualTo(cluster.nodeUris().get(0));
    RedisClusterClient client = RedisClusterClient.create(cluster.uri());
    try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
      assertThat(c.sync().clusterInfo()).contains("cluster_state:ok").contains("cluster_slots_assigned:16384");
      Set<String> owners = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        String key = cluster.key("k" + i);
        c.sync().set(key, "v" + i);
        owners.add(c.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().toString());
      }
      // Keys under one prefix spread over the masters (30 keys on 3 masters: all land on one with p < 1e-13).
      assertThat(owners).hasSizeGreaterThan(1);
      assertThat(c.sync().get(cluster.key("k7"))).isEqualTo("v7");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void closeDeletesTheKeysOnEveryMasterAndNothingElse(TestRedisCluster other) {
    TestRedisCluster cluster = TestRedisCluster.create();
    assertThat(cluster.keyPrefix()).isNotEqualTo(other.keyPrefix());
    RedisClusterClient client = RedisClusterClient.create(cluster.uri());
    try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
      for (int i = 0; i < 30; i++) {
        c.sync().set(cluster.key("k" + i), "v");
      }
      c.sync().set(other.key("kept"), "v");
      cluster.close();
      cluster.close(); // idempotent
      for (int i = 0; i < 30; i++) {
        assertThat(c.sync().exists(cluster.key("k" + i))).isZero();
      }
      assertThat(c.sync().get(other.key("kept"))).isEqualTo("v");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void everyNodeUriIsAMasterOfTheSameCluster(TestRedisCluster cluster) {
    Set<String> ids = new HashSet<>();
    for (String uri : cluster.nodeUris()) {
      RedisClient client = RedisClient.create(uri);
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().info("replication")).contains("role:master");
        ids.add(c.sync().clusterMyId());
        assertThat(List.of(c.sync().clusterNodes().split("\n"))).filteredOn(l -> l.contains("master")).hasSize(3);
      } finally {
        client.shutdown();
      }
    }
    assertThat(ids).hasSize(3);
  }
}
