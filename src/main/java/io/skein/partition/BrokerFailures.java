package io.skein.partition;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import io.skein.cluster.BrokerRoles;
import io.skein.metadata.BrokerAddress;
import java.util.function.IntConsumer;

/**
 * Tells {@link ForwardedRequests} which brokers failed and came back, from the failure
 * detector's events: they arrive seconds before the cluster downs and removes a dead node.
 */
final class BrokerFailures {

  private BrokerFailures() {}

  static Behavior<ClusterEvent.ClusterDomainEvent> create(ForwardedRequests forwarded) {
    return Behaviors.setup(context -> {
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          context.getSelf().<ClusterEvent.ReachabilityEvent>narrow(), ClusterEvent.ReachabilityEvent.class));
      cluster.subscriptions().tell(Subscribe.create(
          context.getSelf().<ClusterEvent.MemberEvent>narrow(), ClusterEvent.MemberEvent.class));
      return Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
          .onMessage(ClusterEvent.UnreachableMember.class, e -> on(e.member(), forwarded::failed))
          .onMessage(ClusterEvent.MemberDowned.class, e -> on(e.member(), forwarded::failed))
          .onMessage(ClusterEvent.MemberRemoved.class, e -> on(e.member(), forwarded::removed))
          .onMessage(ClusterEvent.ReachableMember.class, e -> on(e.member(), forwarded::recovered))
          .onMessage(ClusterEvent.MemberUp.class, e -> on(e.member(), forwarded::recovered))
          .onAnyMessage(e -> Behaviors.same())
          .build();
    });
  }

  private static Behavior<ClusterEvent.ClusterDomainEvent> on(Member member, IntConsumer action) {
    BrokerRoles.brokerOf(member).map(BrokerAddress::id).ifPresent(action::accept);
    return Behaviors.same();
  }
}
