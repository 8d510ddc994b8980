package io.skein.console;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.skein.broker.Broker;
import java.util.Optional;

/**
 * The request layer the console's API calls, handed over once the broker serves. The management
 * endpoint starts before the broker has joined its cluster and recovered its logs (Cluster
 * Bootstrap needs it to), so until then the API answers 503.
 */
public final class ConsoleBroker implements Extension {

  private static final ExtensionId<ConsoleBroker> ID = new ExtensionId<>() {
    @Override
    public ConsoleBroker createExtension(ActorSystem<?> system) {
      return new ConsoleBroker();
    }
  };

  private volatile Broker broker;

  public static ConsoleBroker get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Called once the broker serves clients. */
  public void serve(Broker serving) {
    broker = serving;
  }

  /** The broker, once it serves. */
  public Optional<Broker> broker() {
    return Optional.ofNullable(broker);
  }
}
