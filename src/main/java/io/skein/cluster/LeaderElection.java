package io.skein.cluster;

import io.skein.metadata.ReplicaAssignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who leads a partition, given which brokers are alive: a pure function of the persisted
 * assignment, so the Controller's decisions can be tested without a cluster.
 *
 * <p>Rules (Kafka's, with unclean election off): a live leader keeps leading unless the
 * preferred replica (first in replica order) is alive and in sync, in which case leadership
 * returns to it. Followers that are not live (leaving the cluster, or suspected by the failure
 * detector from the majority's side) leave the ISR at once, at the same leader epoch, as Kafka's
 * controller takes a broker in controlled shutdown out of every ISR: acks=all writes then wait
 * for neither a follower that is going nor its fetch time-out. A dead leader is replaced by the first live ISR member in replica order;
 * dead brokers leave the ISR at the same time. With no live ISR member the partition goes
 * offline (leader -1) and keeps its last ISR, so only a broker known to hold every
 * committed record can lead it again. A leader that is leaving the cluster gracefully hands
 * over to an in-sync replica if there is one, and otherwise keeps leading until it is gone. Every change of leader bumps the leader epoch, which
 * fences whatever the previous leader still tries to do.
 */
public final class LeaderElection {

  public static final int NO_LEADER = -1;

  private LeaderElection() {}

  /** As {@link #reconcile(ReplicaAssignment, Set, Set)} where no broker is leaving. */
  public static ReplicaAssignment reconcile(ReplicaAssignment current, Set<Integer> liveBrokers) {
    return reconcile(current, liveBrokers, liveBrokers);
  }

  /**
   * The assignment {@code current} should have now; {@code current} itself if nothing changes.
   * {@code liveBrokers} may lead; {@code members} are still in the cluster (the live ones and
   * those leaving it).
   */
  public static ReplicaAssignment reconcile(ReplicaAssignment current, Set<Integer> liveBrokers, Set<Integer> members) {
    boolean leaderAlive = current.leader() != NO_LEADER && liveBrokers.contains(current.leader());
    if (leaderAlive) {
      int preferred = current.replicas().get(0);
      if (preferred != current.leader() && liveBrokers.contains(preferred) && current.isr().contains(preferred)) {
        return current.withLeader(preferred, current.isr());
      }
      List<Integer> liveIsr = liveMembers(current.isr(), liveBrokers);
      return liveIsr.size() < current.isr().size() ? current.withIsr(liveIsr) : current;
    }
    for (int candidate : current.replicas()) {
      if (liveBrokers.contains(candidate) && current.isr().contains(candidate)) {
        return current.withLeader(candidate, liveMembers(current.isr(), liveBrokers));
      }
    }
    if (members.contains(current.leader())) {
      return current;
    }
    if (current.leader() != NO_LEADER) {
      return current.withLeader(NO_LEADER, current.isr());
    }
    return current;
  }

  private static List<Integer> liveMembers(List<Integer> isr, Set<Integer> liveBrokers) {
    List<Integer> live = new ArrayList<>(isr.size());
    for (int member : isr) {
      if (liveBrokers.contains(member)) {
        live.add(member);
      }
    }
    return live;
  }
}
