package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.Member$;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.util.Version;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

class MemberViewTest {

  private static Member joining(int broker) {
    UniqueAddress address = new UniqueAddress(new Address("akka", "skein", "127.0.0.1", 25520 + broker), broker);
    scala.collection.immutable.Set<String> roles =
        CollectionConverters.asScala(Set.of("dc-default", "skein-broker-" + broker, "skein-grpc-127.0.0.1:" + (9090 + broker))).<String>toSet();
    return Member$.MODULE$.apply(address, roles, Version.Zero());
  }

  private static Member up(int broker) {
    return joining(broker).copyUp(broker);
  }

  private static Map<Integer, MemberStatus> statuses(MemberView view) {
    Map<Integer, MemberStatus> statuses = new TreeMap<>();
    view.members().forEach(member -> statuses.put((int) member.uniqueAddress().longUid(), member.status()));
    return statuses;
  }

  @Test
  void aDowningIsSeenAtOnceAndTheBrokerIsNoLongerElectable() {
    MemberView view = new MemberView(List.of(up(1), up(2), up(3)));
    view.apply(new ClusterEvent.MemberDowned(up(3).copy(MemberStatus.down())));
    assertEquals(Map.of(1, MemberStatus.up(), 2, MemberStatus.up(), 3, MemberStatus.down()), statuses(view));
    assertEquals(Set.of(1, 2), LiveBrokers.electable(view.members(), Set.of()));
    view.apply(new ClusterEvent.MemberRemoved(up(3).copy(MemberStatus.down()).copy(MemberStatus.removed()),
        MemberStatus.down()));
    assertEquals(Map.of(1, MemberStatus.up(), 2, MemberStatus.up()), statuses(view));
  }

  @Test
  void anEventOlderThanTheStartStateDoesNotTakeAMemberBack() {
    Member leaving = up(2).copy(MemberStatus.leaving());
    MemberView view = new MemberView(List.of(up(1), leaving));
    view.apply(new ClusterEvent.MemberUp(up(2)));
    view.apply(new ClusterEvent.MemberJoined(joining(3)));
    view.apply(new ClusterEvent.MemberUp(up(3)));
    assertEquals(Map.of(1, MemberStatus.up(), 2, MemberStatus.leaving(), 3, MemberStatus.up()), statuses(view));
    assertEquals(Set.of(1, 2, 3), LiveBrokers.members(view.members()));
    assertEquals(Set.of(1, 3), LiveBrokers.electable(view.members(), Set.of()));
  }

  @Test
  void aBrokersAnnouncedLeavingMakesItUnelectableAtOnceAndOnlyForThatIncarnation() {
    MemberView view = new MemberView(List.of(up(1), up(2), up(3)));
    assertTrue(view.announceLeaving(up(2).uniqueAddress()));
    assertEquals(Map.of(1, MemberStatus.up(), 2, MemberStatus.leaving(), 3, MemberStatus.up()), statuses(view));
    assertEquals(Set.of(1, 3), LiveBrokers.electable(view.members(), Set.of()));
    assertFalse(view.announceLeaving(up(2).uniqueAddress()), "already leaving: nothing changes");
    view.apply(new ClusterEvent.MemberLeft(up(2).copy(MemberStatus.leaving())));
    assertEquals(MemberStatus.leaving(), statuses(view).get(2), "the gossip's event agrees");

    UniqueAddress laterIncarnation = new UniqueAddress(up(3).address(), 99);
    assertFalse(view.announceLeaving(laterIncarnation), "an announcement names one incarnation only");
    assertEquals(MemberStatus.up(), statuses(view).get(3));
  }
}
