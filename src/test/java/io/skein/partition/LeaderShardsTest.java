package io.skein.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.PartitionKey;
import org.junit.jupiter.api.Test;

class LeaderShardsTest {

  private final LeaderShards shards = new LeaderShards();

  @Test
  void aLeaderIsNamedByItsPartitionAndBrokerAndLivesInThatBrokersShard() {
    PartitionKey key = new PartitionKey("orders.eu-west-1", 12);
    String id = LeaderShards.entityId(key, 3);

    assertEquals(key, LeaderShards.partitionOf(id));
    assertEquals(3, LeaderShards.brokerOf(id));
    assertEquals("3", shards.shardId(id));
    assertEquals(3, LeaderShards.brokerOfShard(shards.shardId(id)));
  }

  @Test
  void leadersOfOnePartitionOnTwoBrokersAreTwoEntitiesInTwoShards() {
    PartitionKey key = new PartitionKey("t", 0);

    assertEquals("1", shards.shardId(LeaderShards.entityId(key, 1)));
    assertEquals("2", shards.shardId(LeaderShards.entityId(key, 2)));
  }

  @Test
  void anIdWithoutABrokerIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> LeaderShards.partitionOf("orders-3"));
    assertThrows(IllegalArgumentException.class, () -> shards.shardId("orders-3@"));
  }

  @Test
  void theEntityThatPlacesABrokersShardIsInThatShardAndIsNoPartitionsLeader() {
    String home = LeaderShards.homeId(2);
    assertEquals("2", shards.shardId(home));
    assertTrue(LeaderShards.isHome(home));
    assertFalse(LeaderShards.isHome(LeaderShards.entityId(new PartitionKey("home", 2), 2)));
    assertFalse(LeaderShards.isHome(LeaderShards.entityId(new PartitionKey("~home", 2), 2)),
        "not even of a topic named so, which Kafka's names cannot be");
  }
}
