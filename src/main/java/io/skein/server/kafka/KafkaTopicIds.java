package io.skein.server.kafka;

import java.util.UUID;
import org.apache.kafka.common.Uuid;

/** Topic ids: Skein keeps a java UUID's string form, Kafka's wire carries the same 128 bits. */
final class KafkaTopicIds {

  private KafkaTopicIds() {}

  static Uuid toKafka(String topicId) {
    UUID id = UUID.fromString(topicId);
    return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }

  static String fromKafka(Uuid topicId) {
    return new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()).toString();
  }
}
