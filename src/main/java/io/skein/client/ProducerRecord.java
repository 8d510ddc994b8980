package io.skein.client;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.header.Header;

/**
 * A record to send. A null partition lets the partitioner choose (by key hash, or sticky
 * for keyless records); a null timestamp means the send time.
 */
public record ProducerRecord<K, V>(
    String topic, Integer partition, Long timestamp, K key, V value, List<Header> headers) {

  public ProducerRecord {
    Objects.requireNonNull(topic, "topic");
    if (partition != null && partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, got " + partition);
    }
    if (timestamp != null && timestamp < 0) {
      throw new IllegalArgumentException("timestamp must be >= 0, got " + timestamp);
    }
    headers = headers == null ? List.of() : List.copyOf(headers);
  }

  public ProducerRecord(String topic, Integer partition, K key, V value) {
    this(topic, partition, null, key, value, List.of());
  }

  public ProducerRecord(String topic, K key, V value) {
    this(topic, null, null, key, value, List.of());
  }

  public ProducerRecord(String topic, V value) {
    this(topic, null, null, null, value, List.of());
  }
}
