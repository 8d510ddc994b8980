package io.skein.metadata;

import io.skein.common.CborSerializable;

/** A topic partition, written {@code topic-partition} as Kafka writes it. */
public record PartitionKey(String topic, int partition) implements CborSerializable {

  /** Reads {@link #toString()}: topic names may contain '-', partition numbers cannot, so split at the last one. */
  public static PartitionKey parse(String text) {
    int dash = text.lastIndexOf('-');
    if (dash <= 0 || dash == text.length() - 1) {
      throw new IllegalArgumentException("not a topic partition: " + text);
    }
    return new PartitionKey(text.substring(0, dash), Integer.parseInt(text.substring(dash + 1)));
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
