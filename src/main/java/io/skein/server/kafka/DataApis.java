package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import io.skein.broker.Broker;
import java.util.List;

/** Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch and InitProducerId: the data path. */
final class DataApis {

  private DataApis() {}

  static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    return List.of();
  }
}
