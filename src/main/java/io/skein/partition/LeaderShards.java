package io.skein.partition;

import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.ShardingMessageExtractor;
import io.skein.metadata.PartitionKey;

/**
 * How partition leaders are named and grouped in Cluster Sharding: the leader of a partition on
 * a broker is the entity {@code topic-partition@broker}, in the shard of that broker (its id),
 * and each broker's shard lives on that broker's node ({@link LeaderShardAllocation}).
 *
 * <p>So a leadership move is a message to another, already placed shard: the new leader starts
 * as soon as the Controller elects it, without waiting for the old leader's node to hand a shard
 * over, to be removed from the cluster, or for the shard coordinator to allocate anything.
 */
final class LeaderShards extends ShardingMessageExtractor<ShardingEnvelope<PartitionLeader.Command>, PartitionLeader.Command> {

  private static final char BROKER_SEPARATOR = '@';
  /** Names the entity that places a broker's shard; '~' is in no topic name. */
  private static final String HOME = "~home";

  static String entityId(PartitionKey key, int broker) {
    return key.toString() + BROKER_SEPARATOR + broker;
  }

  /** The entity that places {@code broker}'s shard (see {@link PartitionLeader.PlaceShard}). */
  static String homeId(int broker) {
    return HOME + BROKER_SEPARATOR + broker;
  }

  static boolean isHome(String entityId) {
    return entityId.startsWith(HOME + BROKER_SEPARATOR);
  }

  /** The partition of a leader entity id; topic names cannot contain '@'. */
  static PartitionKey partitionOf(String entityId) {
    return PartitionKey.parse(entityId.substring(0, separator(entityId)));
  }

  /** The broker a leader entity id names. */
  static int brokerOf(String entityId) {
    return Integer.parseInt(entityId.substring(separator(entityId) + 1));
  }

  /** The broker whose node a shard of partition leaders belongs on. */
  static int brokerOfShard(String shardId) {
    return Integer.parseInt(shardId);
  }

  private static int separator(String entityId) {
    int at = entityId.lastIndexOf(BROKER_SEPARATOR);
    if (at <= 0 || at == entityId.length() - 1) {
      throw new IllegalArgumentException("not a partition leader entity id: " + entityId);
    }
    return at;
  }

  @Override
  public String entityId(ShardingEnvelope<PartitionLeader.Command> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return entityId.substring(separator(entityId) + 1);
  }

  @Override
  public PartitionLeader.Command unwrapMessage(ShardingEnvelope<PartitionLeader.Command> envelope) {
    return envelope.message();
  }
}
