package io.skein.metrics;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.reject;

import akka.actor.ExtendedActorSystem;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.ManagementRouteProvider;
import akka.management.javadsl.ManagementRouteProviderSettings;
import java.util.Optional;

/**
 * {@code GET /metrics} on the Akka Management endpoint: the node's meters in the Prometheus
 * text format. Without meters (metrics disabled) the route matches nothing, so the endpoint
 * answers 404. Akka Management loads it by class name (akka.management.http.routes).
 */
public final class MetricsRoute implements ManagementRouteProvider {

  /** Prometheus text exposition format 0.0.4. */
  private static final ContentType.NonBinary PROMETHEUS_TEXT =
      MediaTypes.TEXT_PLAIN.toContentType(HttpCharsets.UTF_8);

  private final Optional<NodeMetrics> metrics;

  public MetricsRoute(ExtendedActorSystem system) {
    this.metrics = system.settings().setup().get(MetricsSetup.class)
        .map(MetricsSetup::metrics)
        .filter(NodeMetrics::enabled);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    if (metrics.isEmpty()) {
      return reject();
    }
    NodeMetrics node = metrics.get();
    return path("metrics", () -> get(() ->
        complete(HttpEntities.create(PROMETHEUS_TEXT, node.scrape().orElseThrow()))));
  }
}
