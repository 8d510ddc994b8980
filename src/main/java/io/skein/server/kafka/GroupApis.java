package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import io.skein.broker.Broker;
import java.util.List;

/** Consumer groups: coordinator look-up, classic and KIP-848 membership, committed offsets, group administration. */
final class GroupApis {

  private GroupApis() {}

  static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    return List.of();
  }
}
