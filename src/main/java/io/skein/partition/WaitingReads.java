package io.skein.partition;

import io.skein.common.Failure;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A leader's long polls: reads with nothing to return yet, each under an id its deadline timer
 * carries, answered when the high watermark passes their offset, at their deadline, or with a
 * failure when the leader stops.
 */
final class WaitingReads {

  private final Map<Long, PartitionLeader.Read> waiting = new HashMap<>();
  private long nextId;

  /** Parks {@code read}; the id its deadline names. */
  long park(PartitionLeader.Read read) {
    long id = nextId++;
    waiting.put(id, read);
    return id;
  }

  /** The read parked under {@code id}, no longer waiting; null if it was answered already. */
  PartitionLeader.Read take(long id) {
    return waiting.remove(id);
  }

  /** Hands each read below {@code highWatermark} (with its id) to {@code answer}, no longer waiting. */
  void takeReadable(long highWatermark, BiConsumer<Long, PartitionLeader.Read> answer) {
    Iterator<Map.Entry<Long, PartitionLeader.Read>> entries = waiting.entrySet().iterator();
    while (entries.hasNext()) {
      Map.Entry<Long, PartitionLeader.Read> entry = entries.next();
      if (entry.getValue().offset() < highWatermark) {
        entries.remove();
        answer.accept(entry.getKey(), entry.getValue());
      }
    }
  }

  /** Answers every waiting read with {@code failure}. */
  void failAll(Failure failure) {
    waiting.values().forEach(read -> read.replyTo().tell(LeaderRefusals.readFailed(failure)));
    waiting.clear();
  }
}
