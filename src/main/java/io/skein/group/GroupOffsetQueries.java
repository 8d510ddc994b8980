package io.skein.group;

import akka.actor.typed.ActorSystem;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.group.assign.Assignor;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.Topic;
import io.skein.partition.LeaderRef;
import io.skein.partition.PartitionLeader;
import io.skein.partition.PartitionRouter;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Questions about a group's offsets that need the partition leaders as well as the
 * coordinator: lag (in records and in time) and the targets of an offset reset. Answers
 * are computed from one {@link GroupCoordinator.Description} and asks to the leaders, so
 * the coordinator never waits on partitions.
 */
public final class GroupOffsetQueries {

  /** One partition's position in a group: -1 where a value is unknown. */
  public record PartitionLag(
      PartitionKey partition, String memberId, long committedOffset, long highWatermark, long lag, long lagMs) {}

  /** Where a reset moves a partition's committed offset. */
  public record OffsetReset(PartitionKey partition, long previousOffset, long offset) {}

  /** What a reset aims at. */
  public sealed interface ResetTarget {}

  public record ToEarliest() implements ResetTarget {}

  public record ToLatest() implements ResetTarget {}

  /** The first offset at or after the timestamp, or the end if every record is older. */
  public record ToTimestamp(long timestampMs) implements ResetTarget {}

  /** An explicit offset, clamped to the partition's range. */
  public record ToOffset(long offset) implements ResetTarget {}

  private final PartitionRouter router;
  private final Duration timeout;
  private final Clock clock;

  public GroupOffsetQueries(ActorSystem<?> system, Duration timeout, Clock clock) {
    // Its reads go through the leader: the router's local-read buffers are never allocated.
    this.router = new PartitionRouter(system, 1);
    this.timeout = timeout;
    this.clock = clock;
  }

  /** Lag of every partition the group owns or has an offset for, in partition order. */
  public CompletionStage<List<PartitionLag>> lags(GroupCoordinator.Description group) {
    Map<PartitionKey, String> owners = new TreeMap<>(Assignor.PARTITION_ORDER);
    group.owned().forEach((member, partitions) -> partitions.forEach(p -> owners.put(p, member)));
    group.revoking().forEach((member, partitions) -> partitions.forEach(p -> owners.put(p, member)));
    Map<PartitionKey, Long> committed = committedOffsets(group);
    Set<PartitionKey> all = new TreeSet<>(Assignor.PARTITION_ORDER);
    all.addAll(owners.keySet());
    all.addAll(committed.keySet());
    List<CompletableFuture<PartitionLag>> lags = new ArrayList<>();
    for (PartitionKey p : all) {
      lags.add(lag(p, owners.getOrDefault(p, ""), committed.getOrDefault(p, -1L)).toCompletableFuture());
    }
    return allOf(lags);
  }

  /**
   * The offsets a reset would commit for {@code topics} (every topic with a committed offset
   * when empty). Fails with UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist.
   */
  public CompletionStage<List<OffsetReset>> planReset(
      GroupCoordinator.Description group, Collection<String> topics, ResetTarget target, Map<String, Topic> existing) {
    Map<PartitionKey, Long> previous = committedOffsets(group);
    Set<String> names = new TreeSet<>(topics);
    if (names.isEmpty()) {
      previous.keySet().forEach(p -> names.add(p.topic()));
    }
    List<CompletableFuture<OffsetReset>> resets = new ArrayList<>();
    for (String name : names) {
      Topic topic = existing.get(name);
      if (topic == null) {
        throw new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
      }
      for (PartitionKey p : topic.partitionKeys()) {
        long before = previous.getOrDefault(p, -1L);
        resets.add(targetOffset(p, target).thenApply(offset -> new OffsetReset(p, before, offset)).toCompletableFuture());
      }
    }
    return allOf(resets);
  }

  private static Map<PartitionKey, Long> committedOffsets(GroupCoordinator.Description group) {
    Map<PartitionKey, Long> committed = new TreeMap<>(Assignor.PARTITION_ORDER);
    group.offsets().forEach(c -> committed.put(new PartitionKey(c.topic(), c.partition()), c.offset()));
    return committed;
  }

  /** Committed offset, high watermark, lag, and the age of the record at the committed offset. */
  private CompletionStage<PartitionLag> lag(PartitionKey p, String owner, long committed) {
    LeaderRef leader;
    try {
      leader = router.leaderOf(p.topic(), p.partition());
    } catch (FailureException unavailable) {
      return done(new PartitionLag(p, owner, committed, -1, -1, -1));
    }
    return leader.<PartitionLeader.Status>ask(PartitionLeader.Describe::new, timeout)
        .thenCompose(status -> {
          if (status.failure() != null) {
            return done(new PartitionLag(p, owner, committed, -1, -1, -1));
          }
          long hw = status.highWatermark();
          if (committed < 0) {
            return done(new PartitionLag(p, owner, committed, hw, -1, -1));
          }
          long lag = Math.max(0, hw - committed);
          if (committed >= hw || committed < status.logStartOffset()) {
            return done(new PartitionLag(p, owner, committed, hw, lag, -1));
          }
          return leader.<PartitionLeader.ReadReply>ask(
                  replyTo -> new PartitionLeader.Read(committed, 1, Duration.ZERO, replyTo), timeout)
              .thenApply(read -> {
                long timestamp = read.failure() == null ? timestampAt(read.records(), committed) : -1;
                long lagMs = timestamp >= 0 ? Math.max(0, clock.millis() - timestamp) : -1;
                return new PartitionLag(p, owner, committed, hw, lag, lagMs);
              });
        })
        .exceptionally(error -> new PartitionLag(p, owner, committed, -1, -1, -1));
  }

  private static long timestampAt(ByteBuffer records, long offset) {
    for (RecordBatch batch : MemoryRecords.readableRecords(records.duplicate()).batches()) {
      for (Record record : batch) {
        if (record.offset() >= offset) {
          return record.timestamp();
        }
      }
    }
    return -1;
  }

  private CompletionStage<Long> targetOffset(PartitionKey p, ResetTarget target) {
    if (target instanceof ToEarliest) {
      return listOffset(p, PartitionLeader.ListOffsets.EARLIEST);
    }
    if (target instanceof ToLatest) {
      return listOffset(p, PartitionLeader.ListOffsets.LATEST);
    }
    if (target instanceof ToTimestamp at) {
      return listOffset(p, Math.max(0, at.timestampMs())).thenCompose(found -> found >= 0
          ? CompletableFuture.completedFuture(found) : listOffset(p, PartitionLeader.ListOffsets.LATEST));
    }
    long wanted = ((ToOffset) target).offset();
    return listOffset(p, PartitionLeader.ListOffsets.EARLIEST).thenCombine(
        listOffset(p, PartitionLeader.ListOffsets.LATEST),
        (earliest, latest) -> Math.max(earliest, Math.min(latest, wanted)));
  }

  private CompletionStage<Long> listOffset(PartitionKey p, long spec) {
    LeaderRef leader;
    try {
      leader = router.leaderOf(p.topic(), p.partition());
    } catch (FailureException unavailable) {
      return CompletableFuture.failedFuture(unavailable);
    }
    return leader.<PartitionLeader.OffsetReply>ask(replyTo -> new PartitionLeader.ListOffsets(spec, replyTo), timeout)
        .thenApply(reply -> {
          if (reply.failure() != null) {
            throw new FailureException(reply.failure());
          }
          return reply.offset();
        });
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  private static <T> CompletionStage<List<T>> allOf(List<CompletableFuture<T>> futures) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> futures.stream().map(CompletableFuture::join).toList());
  }
}
