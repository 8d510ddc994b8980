package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import io.skein.broker.Broker;
import io.skein.cluster.BrokerRoles;
import java.util.List;

/** Consumer groups: coordinator look-up, classic and KIP-848 membership, committed offsets, group administration. */
final class GroupApis {

  private GroupApis() {}

  static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    return List.of(
        new FindCoordinatorHandler(BrokerRoles.kafkaListenerOf(Cluster.get(system).selfMember())),
        new ClassicGroupHandlers.JoinGroup(broker.groups()),
        new ClassicGroupHandlers.SyncGroup(broker.groups()),
        new ClassicGroupHandlers.Heartbeat(broker.groups()),
        new ClassicGroupHandlers.LeaveGroup(broker.groups()),
        new ConsumerGroupHandlers.Heartbeat(broker.groups()),
        new ConsumerGroupHandlers.Describe(broker.groups()),
        new OffsetHandlers.OffsetCommit(broker.groups(), broker.topics()),
        new OffsetHandlers.OffsetFetch(broker.groups()),
        new OffsetHandlers.OffsetDelete(broker.groups()),
        new GroupAdminHandlers.ListGroups(broker.groups()),
        new GroupAdminHandlers.DescribeGroups(broker.groups()),
        new GroupAdminHandlers.DeleteGroups(broker.groups()));
  }
}
