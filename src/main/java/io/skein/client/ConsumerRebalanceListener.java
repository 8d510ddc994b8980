package io.skein.client;

import java.util.Collection;

/**
 * Told when the group moves partitions to or from this consumer. Every method is called
 * from inside {@link Consumer#poll} (or commit/close/unsubscribe), on the application's
 * thread, as in Kafka. Rebalances are cooperative: only partitions that change owner are
 * revoked; the others keep flowing.
 */
public interface ConsumerRebalanceListener {

  /**
   * These partitions are about to move to another member. Fetching them has stopped; commit
   * what was processed of them here (the commit is still allowed). With
   * {@code enable.auto.commit} the consumer commits their positions after this returns.
   */
  void onPartitionsRevoked(Collection<TopicPartition> partitions);

  /**
   * Called after every rebalance with the partitions newly given to this consumer (possibly
   * none); they are read from their committed offsets, or by {@code auto.offset.reset}, unless
   * this method seeks.
   */
  void onPartitionsAssigned(Collection<TopicPartition> partitions);

  /**
   * These partitions are no longer this consumer's and may already be read by another
   * member (it was removed from the group, or a commit was fenced): committing them is not
   * possible any more. By default, as in Kafka, this is {@link #onPartitionsRevoked}.
   */
  default void onPartitionsLost(Collection<TopicPartition> partitions) {
    onPartitionsRevoked(partitions);
  }

  /** A listener that does nothing. */
  static ConsumerRebalanceListener none() {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    };
  }
}
