package io.skein.client;

import io.skein.proto.v1.ErrorCode;

/**
 * A commit the group refused because this consumer is no longer the owner of the
 * partitions: it was removed from the group, fenced by another session, or acted on a
 * stale generation. The consumer treats its partitions as lost (the rebalance listener's
 * {@code onPartitionsLost} runs in the next poll) and joins again; records processed
 * since the last successful commit will be read again by their new owner.
 */
public final class CommitFailedException extends SkeinException {

  CommitFailedException(ErrorCode errorCode, String message) {
    super(errorCode, message);
  }
}
