package io.skein.partition;

import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * One shard per entity: a partition is its own unit of placement, so the Controller can pin
 * each partition leader to the node it elected without moving others along with it.
 */
final class ShardPerEntity<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {

  @Override
  public String entityId(ShardingEnvelope<M> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return entityId;
  }

  @Override
  public M unwrapMessage(ShardingEnvelope<M> envelope) {
    return envelope.message();
  }
}
