package io.skein.client;

import java.util.Map;

/** The outcome of {@link Consumer#commitAsync}; called on the application thread, from a later poll or commit. */
@FunctionalInterface
public interface OffsetCommitCallback {

  /** @param exception null if the offsets were committed */
  void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception);
}
