package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import io.skein.broker.Broker;
import java.util.List;

/** Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch and InitProducerId: the data path. */
final class DataApis {

  private DataApis() {}

  static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    boolean autoCreateTopics = system.settings().config().getBoolean("skein.kafka.auto-create-topics");
    LeaderHints leaderHints = new LeaderHints(system, broker.partitions());
    return List.of(
        new MetadataHandler(system, broker, autoCreateTopics),
        new ProduceHandler(broker.partitions(), broker.topics(), leaderHints),
        new FetchHandler(broker, leaderHints),
        new ListOffsetsHandler(broker.partitions()),
        new OffsetForLeaderEpochHandler(broker.partitions()),
        new InitProducerIdHandler(broker.producerIds()));
  }
}
