package io.skein.server.kafka;

import java.util.UUID;
import org.apache.kafka.common.Uuid;

/** Skein's topic ids are java UUID strings; Kafka's wire form is the same 128 bits. */
final class TopicIds {

  private TopicIds() {}

  static Uuid toKafka(String topicId) {
    UUID uuid = UUID.fromString(topicId);
    return new Uuid(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
  }

  static String toSkein(Uuid topicId) {
    return new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()).toString();
  }
}
