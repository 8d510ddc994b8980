package io.skein.server.kafka;

import io.skein.broker.PartitionRequests;
import java.util.OptionalInt;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-320 fencing of a client's request by the leader epoch it knows: an older one than the
 * partition's is FENCED_LEADER_EPOCH, a newer one (this broker has not heard of it yet)
 * UNKNOWN_LEADER_EPOCH; both make the client refresh its metadata and retry. -1 is not checked.
 */
final class LeaderEpochs {

  private LeaderEpochs() {}

  static Errors check(PartitionRequests partitions, String topic, int partition, int clientEpoch) {
    if (clientEpoch < 0) {
      return Errors.NONE;
    }
    OptionalInt current = partitions.leaderEpoch(topic, partition);
    if (current.isEmpty() || clientEpoch == current.getAsInt()) {
      return Errors.NONE;
    }
    return clientEpoch < current.getAsInt() ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH;
  }
}
