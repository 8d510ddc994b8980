package io.skein.partition;

import io.skein.common.Failure;
import io.skein.metadata.PartitionKey;

/**
 * The answers to partition-leader commands that are refused without running: by a leader that
 * cannot serve (loading, stepped down, misplaced) or for a command that never reached one.
 */
final class LeaderRefusals {

  private LeaderRefusals() {}

  static PartitionLeader.ReadReply readFailed(Failure failure) {
    return new PartitionLeader.ReadReply(null, -1, -1, -1, -1, failure);
  }

  static PartitionLeader.AppendReply appendFailed(Failure failure) {
    return new PartitionLeader.AppendReply(-1, -1, -1, -1, failure);
  }

  /**
   * Answers {@code command} of partition {@code key} with {@code failure} without running it;
   * a command that expects no answer is ignored.
   */
  static void refuse(PartitionKey key, PartitionLeader.Command command, Failure failure) {
    if (command instanceof PartitionLeader.Open open) {
      open.replyTo().tell(new PartitionLeader.Opened(key, failure));
    } else if (command instanceof PartitionLeader.Append append) {
      append.replyTo().tell(appendFailed(failure));
    } else if (command instanceof PartitionLeader.Read read) {
      read.replyTo().tell(readFailed(failure));
    } else if (command instanceof PartitionLeader.ListOffsets list) {
      list.replyTo().tell(new PartitionLeader.OffsetReply(-1, -1, failure));
    } else if (command instanceof PartitionLeader.EpochEnd epochEnd) {
      epochEnd.replyTo().tell(new PartitionLeader.EpochEndReply(-1, -1, failure));
    } else if (command instanceof PartitionLeader.DeleteRecords delete) {
      delete.replyTo().tell(new PartitionLeader.DeleteRecordsReply(-1, failure));
    } else if (command instanceof PartitionLeader.Describe describe) {
      describe.replyTo().tell(new PartitionLeader.Status(-1, -1, -1, -1, 0, -1, -1, failure));
    } else if (command instanceof PartitionLeader.ReplicaFetch fetch) {
      fetch.replyTo().tell(PartitionLeader.ReplicaFetchReply.failed(failure.code(), failure.message()));
    }
  }
}
