package io.skein.client;

import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;

/** A record read from a partition. */
public record ConsumerRecord<K, V>(
    String topic,
    int partition,
    long offset,
    long timestamp,
    TimestampType timestampType,
    K key,
    V value,
    List<Header> headers) {

  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}
