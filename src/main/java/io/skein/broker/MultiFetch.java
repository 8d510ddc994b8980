package io.skein.broker;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A fetch from several partitions with one long poll, for any protocol: every partition is
 * read at once; if none has data and the caller will wait, each partition's leader waits for
 * new data and the answer is complete as soon as one has some (or fails), or all waited out.
 * Any data is enough, as for a Kafka consumer with {@code fetch.min.bytes=1}.
 *
 * <p>Byte limits as Kafka's KIP-74: each read is limited to its partition's bytes, and the
 * answer to the request's bytes in request order, except that the first partition with records
 * always keeps them (a whole batch, however large, so that no reader is stuck).
 */
public final class MultiFetch {

  /** One partition to read: where from, and at most how many bytes (0: the default). */
  public record Wanted(String topic, int partition, long offset, int maxBytes) {}

  /**
   * A partition's answer, in the order asked: its committed batches (a buffer of its own,
   * empty if none came or the request's byte limit was reached before it), or why it failed.
   */
  public record Result(PartitionRequests.Fetched fetched, Throwable error) {
    boolean hasRecords() {
      return fetched != null && fetched.records().hasRemaining();
    }
  }

  private final PartitionRequests partitions;

  MultiFetch(PartitionRequests partitions) {
    this.partitions = partitions;
  }

  /** Reads every wanted partition; {@code maxBytes} limits the whole answer (0: the default). */
  public CompletionStage<List<Result>> fetch(Caller caller, List<Wanted> wanted, int maxBytes, long maxWaitMs) {
    Duration wait = partitions.longPollWait(maxWaitMs);
    int answerLimit = partitions.maxBytes(maxBytes);
    AtomicReferenceArray<Result> latest = new AtomicReferenceArray<>(wanted.size());
    List<CompletableFuture<Void>> now = new ArrayList<>(wanted.size());
    for (int i = 0; i < wanted.size(); i++) {
      int slot = i;
      now.add(readNow(caller, wanted.get(i)).thenAccept(result -> latest.set(slot, result)));
    }
    return CompletableFuture.allOf(now.toArray(CompletableFuture[]::new)).thenCompose(done -> {
      if (wait.isZero() || wanted.isEmpty() || anyAnswer(latest)) {
        return CompletableFuture.completedFuture(limited(latest, answerLimit));
      }
      return longPoll(wanted, latest, wait).thenApply(polled -> limited(latest, answerLimit));
    });
  }

  /** What a partition has now: read on this thread where this node leads it, else by its leader. */
  private CompletableFuture<Result> readNow(Caller caller, Wanted wanted) {
    try {
      int limit = partitions.maxBytes(wanted.maxBytes());
      Result[] local = new Result[1];
      // A local read's buffer is taken back after the callback: its bytes are copied out.
      if (partitions.readNow(caller, wanted.topic(), wanted.partition(), wanted.offset(), limit,
          fetched -> local[0] = new Result(withRecords(fetched, copy(fetched.records())), null))) {
        return CompletableFuture.completedFuture(local[0]);
      }
      return read(wanted, limit, Duration.ZERO);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new Result(null, e));
    }
  }

  private CompletableFuture<Void> longPoll(List<Wanted> wanted, AtomicReferenceArray<Result> latest, Duration wait) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    CompletableFuture<?>[] waits = new CompletableFuture<?>[wanted.size()];
    for (int i = 0; i < wanted.size(); i++) {
      int slot = i;
      CompletableFuture<Result> read;
      try {
        read = read(wanted.get(i), partitions.maxBytes(wanted.get(i).maxBytes()), wait);
      } catch (RuntimeException e) {
        read = CompletableFuture.completedFuture(new Result(null, e));
      }
      waits[i] = read.thenAccept(result -> {
        latest.set(slot, result);
        if (result.error() != null || result.hasRecords()) {
          answered.complete(null);
        }
      });
    }
    CompletableFuture.allOf(waits).whenComplete((done, error) -> answered.complete(null));
    return answered;
  }

  /** A read by the partition's leader; its reply's buffer is its own. */
  private CompletableFuture<Result> read(Wanted wanted, int limit, Duration wait) {
    return partitions.leader(wanted.topic(), wanted.partition())
        .read(wanted.offset(), limit, wait)
        .handle((fetched, error) -> new Result(fetched, error))
        .toCompletableFuture();
  }

  private static boolean anyAnswer(AtomicReferenceArray<Result> latest) {
    for (int i = 0; i < latest.length(); i++) {
      if (latest.get(i).error() != null || latest.get(i).hasRecords()) {
        return true;
      }
    }
    return false;
  }

  /** The latest results, the records of partitions past the answer's byte limit left out. */
  private static List<Result> limited(AtomicReferenceArray<Result> latest, int answerLimit) {
    List<Result> results = new ArrayList<>(latest.length());
    long bytes = 0;
    for (int i = 0; i < latest.length(); i++) {
      Result result = latest.get(i);
      if (result.hasRecords()) {
        int size = result.fetched().records().remaining();
        if (bytes > 0 && bytes + size > answerLimit) {
          result = new Result(withRecords(result.fetched(), ByteBuffer.allocate(0)), null);
        } else {
          bytes += size;
        }
      }
      results.add(result);
    }
    return results;
  }

  /** The same answer with other record bytes: a copy, or none. */
  private static PartitionRequests.Fetched withRecords(PartitionRequests.Fetched fetched, ByteBuffer records) {
    return new PartitionRequests.Fetched(records, fetched.nextOffset(), fetched.highWatermark(),
        fetched.logStartOffset());
  }

  private static ByteBuffer copy(ByteBuffer records) {
    ByteBuffer copy = ByteBuffer.allocate(records.remaining());
    copy.put(records.duplicate()).flip();
    return copy;
  }
}
