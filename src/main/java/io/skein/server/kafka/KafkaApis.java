package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import io.skein.broker.Broker;
import java.util.ArrayList;
import java.util.List;

/** Every Kafka API a broker serves, by area, each translating to the broker's request layer. */
public final class KafkaApis {

  private KafkaApis() {}

  public static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    List<KafkaApiHandler<?, ?>> handlers = new ArrayList<>();
    handlers.addAll(DataApis.handlers(system, broker));
    handlers.addAll(GroupApis.handlers(system, broker));
    handlers.addAll(AdminApis.handlers(system, broker));
    return handlers;
  }
}
