package io.skein.partition;

import io.skein.common.ErrorCode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A leader's followers' fetches that found nothing new, at most one per follower: answered
 * when the log grows past them, at their deadline, or with a failure when the leader stops.
 * Which followers wait also tells the ISR check who is caught up and fetching.
 */
final class ParkedReplicaFetches {

  private final Map<Integer, PartitionLeader.ReplicaFetch> parked = new HashMap<>();

  /** Parks {@code fetch}; the same follower's previous one, which it replaces, or null. */
  PartitionLeader.ReplicaFetch park(PartitionLeader.ReplicaFetch fetch) {
    return parked.put(fetch.brokerId(), fetch);
  }

  /** The fetch of {@code broker}, no longer parked; null if none was. */
  PartitionLeader.ReplicaFetch take(int broker) {
    return parked.remove(broker);
  }

  /** The followers with a parked fetch. */
  Set<Integer> followers() {
    return parked.keySet();
  }

  /** A fetch below {@code logEndOffset}, no longer parked; null if none is. */
  PartitionLeader.ReplicaFetch takeOneBehind(long logEndOffset) {
    Iterator<PartitionLeader.ReplicaFetch> fetches = parked.values().iterator();
    while (fetches.hasNext()) {
      PartitionLeader.ReplicaFetch fetch = fetches.next();
      if (fetch.fetchOffset() < logEndOffset) {
        fetches.remove();
        return fetch;
      }
    }
    return null;
  }

  /** Answers every parked fetch with {@code error}. */
  void failAll(ErrorCode error, String message) {
    parked.values().forEach(fetch -> fetch.replyTo().tell(PartitionLeader.ReplicaFetchReply.failed(error, message)));
    parked.clear();
  }
}
