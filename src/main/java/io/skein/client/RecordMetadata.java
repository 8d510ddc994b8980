package io.skein.client;

/**
 * Where a sent record landed. The offset is -1 with acks=0; the timestamp is the broker's
 * append time for LogAppendTime topics, else the record's own.
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {

  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}
