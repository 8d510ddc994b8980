package io.skein.metrics;

import akka.actor.setup.Setup;
import akka.actor.typed.ActorSystem;

/**
 * Hands a node's meters to its actor system when it is created, so that what Akka loads by
 * class name (the management route) finds them.
 */
public final class MetricsSetup extends Setup {

  private final NodeMetrics metrics;

  public MetricsSetup(NodeMetrics metrics) {
    this.metrics = metrics;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** The meters {@code system} was created with; disabled ones if none (a test's actor system). */
  public static NodeMetrics metricsOf(ActorSystem<?> system) {
    return system.settings().setup().get(MetricsSetup.class).map(MetricsSetup::metrics)
        .orElseGet(NodeMetrics::disabled);
  }
}
