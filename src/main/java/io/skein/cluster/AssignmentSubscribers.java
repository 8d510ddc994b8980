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

  /**
   * A new leader, leader epoch or ISR for a partition, to its leader, and to {@code
   * previousLeader} (-1 for none) if that is another broker, which then steps down.
   */
  void leaderElected(PartitionKey partition, String topicId, int previousLeader, ReplicaAssignment assignment);

  /** New config overrides, to the topic's partition leaders. */
  void configsChanged(Topic topic);

  /** The topic is deleted: its partition leaders remove their data. */
  void topicDeleted(Topic topic);
}
