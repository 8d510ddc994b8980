package io.skein.node;

import akka.actor.typed.ActorSystem;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Akka Management for a broker: the HTTP endpoint with the health checks ({@code /alive},
 * {@code /ready}) and cluster state, and Cluster Bootstrap, which forms or joins the cluster
 * from the peers service discovery finds (the Kubernetes pods API on Kubernetes).
 */
final class NodeManagement {

  private static final Logger LOG = LoggerFactory.getLogger(NodeManagement.class);

  private NodeManagement() {}

  /** Starts the endpoint if configured (bootstrap needs it: peers probe each other on it). */
  static void start(ActorSystem<?> system, Config config) throws PortInUseException {
    boolean bootstrap = config.getBoolean("skein.cluster.bootstrap");
    if (!bootstrap && !config.getBoolean("skein.management.enabled")) {
      return;
    }
    PortInUseException.checkFree("management", config.getString("akka.management.http.hostname"),
        config.getInt("akka.management.http.port"), "--management-port (akka.management.http.port)");
    try {
      var uri = AkkaManagement.get(system.classicSystem()).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("Akka Management on {}", uri);
    } catch (Exception e) {
      throw new IllegalStateException("could not start Akka Management: " + e, e);
    }
    if (bootstrap) {
      ClusterBootstrap.get(system.classicSystem()).start();
    }
  }
}
