package io.skein.cluster;

import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The members as the membership events an actor was sent say, on top of the cluster's state
 * when it started. {@code Cluster.state()} is kept by another actor from the same events and
 * may not have the one just received yet: the Controller, woken by a member's downing, would
 * read it as still up and elect nothing until the next event (seen: 2 s after a crash probe
 * downed a broker). Plain Java; the actor feeds it every {@link ClusterEvent.MemberEvent}.
 */
public final class MemberView {

  /** Statuses in the order a member goes through them; a member only ever moves forward. */
  private static final List<MemberStatus> ORDER = List.of(MemberStatus.joining(), MemberStatus.weaklyUp(),
      MemberStatus.up(), MemberStatus.PreparingForShutdown$.MODULE$, MemberStatus.ReadyForShutdown$.MODULE$,
      MemberStatus.leaving(),
      MemberStatus.exiting(), MemberStatus.down(), MemberStatus.removed());

  private final Map<UniqueAddress, Member> members = new HashMap<>();

  public MemberView(Iterable<Member> current) {
    current.forEach(this::merge);
  }

  /** Takes an event in: the member's newer status, or its removal. */
  public void apply(ClusterEvent.MemberEvent event) {
    if (event instanceof ClusterEvent.MemberRemoved) {
      members.remove(event.member().uniqueAddress());
    } else {
      merge(event.member());
    }
  }

  /**
   * Takes a member's own word that it is leaving (its controlled shutdown) ahead of the event;
   * true if that moved it on (it was up), false if it is unknown or already further along.
   */
  public boolean announceLeaving(UniqueAddress member) {
    Member known = members.get(member);
    if (known == null || (known.status() != MemberStatus.up() && known.status() != MemberStatus.weaklyUp())) {
      return false;
    }
    members.put(member, known.copy(MemberStatus.leaving()));
    return true;
  }

  public Collection<Member> members() {
    return members.values();
  }

  /** Keeps whichever of the known and the given member is further along (the start state may be newer than an event). */
  private void merge(Member member) {
    Member known = members.get(member.uniqueAddress());
    if (known == null || ORDER.indexOf(member.status()) > ORDER.indexOf(known.status())) {
      members.put(member.uniqueAddress(), member);
    }
  }
}
