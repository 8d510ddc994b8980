package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.skein.cluster.Controller;

/**
 * The request layer of one broker, under every protocol it speaks: each protocol's handlers
 * translate their messages into these calls and the answers back, and nothing else.
 */
public final class Broker {

  private final PartitionRequests partitions;
  private final TopicAdmin topics;
  private final GroupRequests groups;
  private final ProducerIds producerIds;

  private Broker(PartitionRequests partitions, TopicAdmin topics, GroupRequests groups, ProducerIds producerIds) {
    this.partitions = partitions;
    this.topics = topics;
    this.groups = groups;
    this.producerIds = producerIds;
  }

  public static Broker create(ActorSystem<?> system, ActorRef<Controller.Command> controller,
      RequestSettings settings, String clusterId, int brokerId) {
    TopicAdmin topics = new TopicAdmin(system, controller, settings, clusterId);
    return new Broker(new PartitionRequests(system, settings), topics, new GroupRequests(system, topics, settings),
        new ProducerIds(system, controller, settings, brokerId));
  }

  /** Produce, fetch and offset look-ups. */
  public PartitionRequests partitions() {
    return partitions;
  }

  /** Topic administration and cluster metadata. */
  public TopicAdmin topics() {
    return topics;
  }

  /** Producer ids for idempotent producers. */
  public ProducerIds producerIds() {
    return producerIds;
  }

  /** Consumer group sessions, committed offsets and group administration. */
  public GroupRequests groups() {
    return groups;
  }
}
