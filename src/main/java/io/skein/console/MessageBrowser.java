package io.skein.console;

import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * The message browser's reads: up to {@code limit} committed records of one partition from an
 * offset, from the first at or after a timestamp, or the newest ones; with a wait, a read at the
 * end waits for new records (the live tail's long poll) instead of being polled for.
 */
final class MessageBrowser {

  /** Where a read starts: exactly one of offset and timestamp is set, or neither for the newest records. */
  record Start(Long offset, Long timestamp) {}

  static final int MAX_LIMIT = 500;
  static final long MAX_WAIT_MS = 5_000;

  private final PartitionRequests partitions;
  private final Caller caller;

  MessageBrowser(PartitionRequests partitions, Caller caller) {
    this.partitions = partitions;
    this.caller = caller;
  }

  CompletionStage<ConsoleViews.MessagesView> read(String topic, int partition, Start start, int limit, long waitMs) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ConsoleErrors.badRequest("limit must be 1.." + MAX_LIMIT + ", was " + limit);
    }
    if (waitMs < 0 || waitMs > MAX_WAIT_MS) {
      throw ConsoleErrors.badRequest("wait must be 0.." + MAX_WAIT_MS + " ms, was " + waitMs);
    }
    PartitionRequests.Leader leader = partitions.leader(topic, partition);
    CompletionStage<PartitionRequests.OffsetFound> earliest = leader.offsetFor(PartitionRequests.EARLIEST);
    CompletionStage<PartitionRequests.OffsetFound> latest = leader.offsetFor(PartitionRequests.LATEST);
    return earliest.thenCombine(latest, (first, end) -> new long[] {first.offset(), end.offset()})
        .thenCompose(range -> startOffset(leader, start, limit, range[0], range[1])
            .thenCompose(from -> fetch(topic, partition, from, limit, waitMs)));
  }

  /** The first offset to read, within the log's range. */
  private static CompletionStage<Long> startOffset(
      PartitionRequests.Leader leader, Start start, int limit, long logStart, long end) {
    if (start.offset() != null) {
      return CompletableFuture.completedFuture(Math.max(logStart, Math.min(end, start.offset())));
    }
    if (start.timestamp() != null) {
      // No record at or after the timestamp: the end, where the next one will be.
      return leader.offsetFor(start.timestamp()).thenApply(found -> found.offset() < 0 ? end : found.offset());
    }
    return CompletableFuture.completedFuture(Math.max(logStart, end - limit));
  }

  private CompletionStage<ConsoleViews.MessagesView> fetch(
      String topic, int partition, long from, int limit, long waitMs) {
    CompletableFuture<ConsoleViews.MessagesView> read = new CompletableFuture<>();
    partitions.fetch(caller, topic, partition, from, 0, waitMs, fetched -> read.complete(decode(topic, partition,
        from, limit,
            fetched)))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            read.completeExceptionally(failure);
          }
        });
    return read;
  }

  /** The records from {@code from}, copied out: the fetched buffer is only lent for the call. */
  private static ConsoleViews.MessagesView decode(
      String topic, int partition, long from, int limit, PartitionRequests.Fetched fetched) {
    List<ConsoleViews.MessageView> messages = new ArrayList<>();
    long next = -1;
    outer:
    for (MutableRecordBatch batch : MemoryRecords.readableRecords(fetched.records().duplicate()).batches()) {
      if (batch.isControlBatch() || batch.lastOffset() < from) {
        continue;
      }
      for (Record record : batch) {
        if (record.offset() < from) {
          continue;
        }
        if (messages.size() == limit) {
          next = record.offset();
          break outer;
        }
        messages.add(message(partition, record));
      }
    }
    if (next < 0) {
      // Not stopped by the limit: on from the end of what was read (past any control batch).
      next = Math.max(from, fetched.nextOffset());
    }
    return new ConsoleViews.MessagesView(topic, partition, from, next, fetched.logStartOffset(),
        fetched.highWatermark(), messages);
  }

  private static ConsoleViews.MessageView message(int partition, Record record) {
    List<ConsoleViews.HeaderView> headers = new ArrayList<>();
    for (Header header : record.headers()) {
      headers.add(new ConsoleViews.HeaderView(header.key(), Payloads.of(header.value())));
    }
    return new ConsoleViews.MessageView(partition, record.offset(), record.timestamp(),
        Payloads.of(record.hasKey() ? record.key() : (ByteBuffer) null),
        Payloads.of(record.hasValue() ? record.value() : (ByteBuffer) null), headers);
  }
}
