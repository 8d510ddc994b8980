package io.skein.partition;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.skein.log.Log;
import io.skein.log.LogException;
import io.skein.log.LogReadResult;
import io.skein.log.LogSlice;
import io.skein.log.DirectBuffers;
import io.skein.metadata.PartitionKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Per node: the logs of the partitions this node leads, so that a read of committed data is
 * served on the caller's thread rather than queued behind appends in the leader's mailbox and
 * sent back through an ask. A {@link Log} allows any number of concurrent readers beside its
 * one writer; the leader registers its log once it serves and removes it before it stops
 * serving. Whatever cannot be answered at once from here (a long poll at the high watermark,
 * an offset out of range, a failed read, a partition led elsewhere) goes to the leader, which
 * answers it as before.
 */
public final class LocalLeaderLogs implements Extension {

  public static final ExtensionId<LocalLeaderLogs> ID = new ExtensionId<>() {
    @Override
    public LocalLeaderLogs createExtension(ActorSystem<?> system) {
      return new LocalLeaderLogs();
    }
  };

  public static LocalLeaderLogs get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final ConcurrentHashMap<PartitionKey, Log> logs = new ConcurrentHashMap<>();

  private LocalLeaderLogs() {}

  void serving(PartitionKey key, Log log) {
    logs.put(key, log);
  }

  void stoppedServing(PartitionKey key, Log log) {
    logs.remove(key, log);
  }

  /** Calls {@code action} with each partition led here and its log, for the per-partition gauges. */
  public void forEachLog(BiConsumer<PartitionKey, Log> action) {
    logs.forEach(action);
  }

  /**
   * Committed batches of {@code key} from {@code offset}, read now into a buffer from {@code
   * buffers} (the caller releases {@code records()} once sent); empty when the leader must answer.
   */
  public Optional<LogReadResult> readCommitted(PartitionKey key, long offset, int maxBytes, DirectBuffers buffers) {
    Log log = logs.get(key);
    if (log == null || offset < log.logStartOffset() || offset >= log.highWatermark()) {
      return Optional.empty();
    }
    ByteBuffer[] acquired = new ByteBuffer[1];
    boolean answered = false;
    try {
      LogReadResult result = log.read(offset, maxBytes, log.highWatermark(), capacity -> {
        acquired[0] = buffers.acquire(capacity);
        return acquired[0];
      });
      answered = result.records().hasRemaining();
      return answered ? Optional.of(result) : Optional.empty();
    } catch (IOException | LogException e) {
      // Retention, a truncation or a closing log raced with us: the leader knows what to answer.
      return Optional.empty();
    } finally {
      if (!answered && acquired[0] != null) {
        buffers.release(acquired[0]);
      }
    }
  }

  /**
   * {@link #readCommitted} as a span of the segment file (see {@link LogSlice}), which the caller
   * releases once sent; empty when the leader must answer.
   */
  public Optional<LogSlice> sliceCommitted(PartitionKey key, long offset, int maxBytes) {
    Log log = logs.get(key);
    if (log == null || offset < log.logStartOffset() || offset >= log.highWatermark()) {
      return Optional.empty();
    }
    try {
      LogSlice slice = log.slice(offset, maxBytes, log.highWatermark());
      return slice.isEmpty() ? Optional.empty() : Optional.of(slice);
    } catch (IOException | LogException e) {
      // As for a read: the leader knows what to answer.
      return Optional.empty();
    }
  }
}
