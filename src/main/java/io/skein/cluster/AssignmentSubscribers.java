package io.skein.cluster;

import akka.actor.typed.receptionist.ServiceKey;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.Map;

/**
 * Where the Controller announces what it persisted. The partition layer implements it and the
 * node hands it to the Controller when it wires the broker, so that the Controller imports no
 * partition code. Its methods run inside the Controller and only send messages.
 *
 * @param <L> the message type of the per-broker listeners of assignment changes
 */
public interface AssignmentSubscribers<L> {

  /** The per-broker listeners, registered with the Receptionist: each hears every change. */
  ServiceKey<L> listeners();

  /** The message that tells a listener every topic and its assignments. */
  L assignmentsChanged(Map<String, Topic> topics);

  /** The name of the sharded entity type of partition leaders, whose shards the Controller pins. */
  String partitionShardType();

  /** A new leader, leader epoch or ISR for a partition, to its leader. */
  void leaderElected(PartitionKey partition, String topicId, ReplicaAssignment assignment);

  /** New config overrides, to the topic's partition leaders. */
  void configsChanged(Topic topic);

  /** The topic is deleted: its partition leaders remove their data. */
  void topicDeleted(Topic topic);
}
