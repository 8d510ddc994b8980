package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import io.skein.broker.PartitionRequests;
import io.skein.cluster.BrokerRoles;
import io.skein.metadata.BrokerAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-951: a partition answered NOT_LEADER_OR_FOLLOWER (for Fetch also FENCED_LEADER_EPOCH)
 * names its leader as this node last heard it from the Controller, and the answer carries that
 * broker's Kafka listener among its node endpoints. The client then retries at the new leader
 * at once, without first asking for metadata and backing off.
 */
final class LeaderHints {

  /** The first Produce version with the hints. */
  static final short PRODUCE_VERSION = 10;
  /** The first Fetch version whose answers carry them (the field exists from v12; Kafka fills it from v16). */
  static final short FETCH_VERSION = 16;

  private final Cluster cluster;
  private final PartitionRequests partitions;

  LeaderHints(ActorSystem<?> system, PartitionRequests partitions) {
    this.cluster = Cluster.get(system);
    this.partitions = partitions;
  }

  /** The leader to name in a partition's answer with {@code error}; empty if the error needs none or none is known. */
  Optional<PartitionRequests.CurrentLeader> leaderFor(Errors error, String topic, int partition) {
    if (error != Errors.NOT_LEADER_OR_FOLLOWER && error != Errors.FENCED_LEADER_EPOCH) {
      return Optional.empty();
    }
    return partitions.currentLeader(topic, partition);
  }

  /** The Kafka listeners of those of {@code brokers} that are up. */
  List<BrokerAddress> listenersOf(Set<Integer> brokers) {
    if (brokers.isEmpty()) {
      return List.of();
    }
    return BrokerRoles.liveKafkaListeners(cluster).stream().filter(broker -> brokers.contains(broker.id())).toList();
  }
}
