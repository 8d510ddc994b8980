package io.skein.partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A leader's view of its followers (plain Java, no Akka): each follower's log end offset as
 * its fetches report it, and when it was last caught up. From that: the high watermark
 * (smallest log end offset in the ISR) and the ISR the leader should ask the Controller for.
 *
 * <p>"Caught up" follows Kafka: a fetch from at least the leader's log end offset at the
 * time of the follower's previous fetch means the follower was caught up then. Under a
 * steady load a healthy follower is always a little behind the log end, and this rule still
 * counts it as in sync.
 */
final class ReplicaProgress {

  static final long UNKNOWN = -1;

  private final int leaderId;
  private final List<Integer> replicas;
  private final Map<Integer, Follower> followers = new HashMap<>();
  private List<Integer> isr;
  /**
   * The ISR asked of the Controller and not answered yet (empty if none). The Controller may
   * commit it, and elect one of its new members, before the answer arrives here, so until then
   * the high watermark waits for those members too (Kafka's maximal ISR, KIP-497): otherwise
   * this leader could acknowledge a write that the newly elected leader never had.
   */
  private List<Integer> pendingIsr = List.of();

  private record Follower(long logEndOffset, long lastCaughtUpMs, long lastFetchMs, long leaderEndAtLastFetch) {}

  ReplicaProgress(int leaderId, List<Integer> replicas, List<Integer> isr, long nowMs) {
    this.leaderId = leaderId;
    this.replicas = List.copyOf(replicas);
    this.isr = List.copyOf(isr);
    for (int replica : replicas) {
      if (replica != leaderId) {
        // A new leader gives every follower the full lag time to show up.
        followers.put(replica, new Follower(UNKNOWN, nowMs, nowMs, Long.MAX_VALUE));
      }
    }
  }

  List<Integer> isr() {
    return isr;
  }

  void setIsr(List<Integer> isr) {
    this.isr = List.copyOf(isr);
  }

  /**
   * An ISR change was sent to the Controller. Members of an earlier one that was never answered
   * stay pending: the Controller may have committed it.
   */
  void isrChangeSent(List<Integer> proposed) {
    Set<Integer> pending = new LinkedHashSet<>(pendingIsr);
    pending.addAll(proposed);
    this.pendingIsr = List.copyOf(pending);
  }

  /**
   * The Controller's ISR at a newer partition epoch than this leader's: any change still pending
   * was computed from an older one, so it was either committed before this ISR or will be refused
   * (INVALID_UPDATE_VERSION), and nothing is pending any more. Kept pending, a member that change
   * would have added (a broker gone since) would hold the high watermark until it came back.
   */
  void isrSuperseded(List<Integer> isr) {
    this.isr = List.copyOf(isr);
    this.pendingIsr = List.of();
  }

  /** The Controller answered, committing the change or refusing it: nothing is pending any more. */
  void isrChangeAnswered() {
    this.pendingIsr = List.of();
  }

  boolean isReplica(int brokerId) {
    return followers.containsKey(brokerId);
  }

  /** A follower fetches from {@code fetchOffset}: everything before it is in its log. */
  void onFetch(int brokerId, long fetchOffset, long leaderLogEnd, long nowMs) {
    Follower previous = followers.get(brokerId);
    long caughtUp = previous.lastCaughtUpMs();
    if (fetchOffset >= leaderLogEnd) {
      caughtUp = nowMs;
    } else if (fetchOffset >= previous.leaderEndAtLastFetch()) {
      caughtUp = Math.max(caughtUp, previous.lastFetchMs());
    }
    followers.put(brokerId, new Follower(fetchOffset, caughtUp, nowMs, leaderLogEnd));
  }

  /**
   * The smallest log end offset in the ISR and in a pending ISR change, never below
   * {@code currentHw}. A member whose
   * position is not known yet (no fetch since this leader started) holds it where it is.
   */
  long highWatermark(long leaderLogEnd, long currentHw) {
    Set<Integer> maximalIsr = new HashSet<>(isr);
    maximalIsr.addAll(pendingIsr);
    long min = leaderLogEnd;
    for (int member : maximalIsr) {
      if (member != leaderId) {
        Follower follower = followers.get(member);
        if (follower == null || follower.logEndOffset() == UNKNOWN) {
          return currentHw;
        }
        min = Math.min(min, follower.logEndOffset());
      }
    }
    return Math.max(currentHw, min);
  }

  /**
   * The ISR there should be: without members that were not caught up within
   * {@code lagTimeMaxMs} or that fetched from this leader and then went silent for
   * {@code fetchTimeoutMs} (a follower in {@code waiting} has a fetch waiting here, so it is
   * not silent), with replicas that reached the high watermark and that {@code mayJoin} (the
   * cluster still counts them as live: a broker leaving or suspected would only be refused, and
   * then taken out again, KIP-841). Empty if unchanged.
   */
  Optional<List<Integer>> proposedIsr(long highWatermark, long nowMs, long lagTimeMaxMs, long fetchTimeoutMs,
      Set<Integer> waiting, IntPredicate mayJoin) {
    List<Integer> proposed = new ArrayList<>();
    for (int replica : replicas) {
      if (replica == leaderId) {
        proposed.add(replica);
        continue;
      }
      Follower follower = followers.get(replica);
      boolean inIsr = isr.contains(replica);
      boolean silent = follower.logEndOffset() != UNKNOWN && !waiting.contains(replica)
          && nowMs - follower.lastFetchMs() > fetchTimeoutMs;
      boolean lagging = silent || nowMs - follower.lastCaughtUpMs() > lagTimeMaxMs;
      boolean reachedHw = follower.logEndOffset() != UNKNOWN && follower.logEndOffset() >= highWatermark;
      if (inIsr ? !lagging : reachedHw && !lagging && mayJoin.test(replica)) {
        proposed.add(replica);
      }
    }
    return new HashSet<>(proposed).equals(new HashSet<>(isr)) ? Optional.empty() : Optional.of(proposed);
  }
}
