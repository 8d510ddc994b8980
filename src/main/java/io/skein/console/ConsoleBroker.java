package io.skein.console;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import io.skein.broker.Broker;
import io.skein.metrics.MetricsSetup;
import io.skein.metrics.NodeMetrics;
import io.skein.partition.LocalLeaderLogs;
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
      return new ConsoleBroker(system);
    }
  };

  private final ActorSystem<?> system;
  private final ClusterLogs logs;
  private volatile Broker broker;

  private ConsoleBroker(ActorSystem<?> system) {
    this.system = system;
    this.logs = new ClusterLogs(system, MetricsSetup.metricsOf(system).registry());
  }

  public static ConsoleBroker get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Called once the broker {@code brokerId} serves clients: from then on it answers every console for its logs. */
  public void serve(Broker serving, int brokerId) {
    NodeMetrics metrics = MetricsSetup.metricsOf(system);
    system.systemActorOf(NodeLogs.create(brokerId, LocalLeaderLogs.get(system), metrics.history()), "console-node-logs",
        Props.empty());
    broker = serving;
  }

  /** The broker, once it serves. */
  public Optional<Broker> broker() {
    return Optional.ofNullable(broker);
  }

  /** The partitions' logs and the charts' history, from every broker. */
  ClusterLogs logs() {
    return logs;
  }
}
