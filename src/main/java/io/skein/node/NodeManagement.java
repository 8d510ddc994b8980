package io.skein.node;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.ConnectionContext;
import akka.http.javadsl.Http;
import akka.http.javadsl.HttpsConnectionContext;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import io.skein.security.ServerTls;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Akka Management for a broker: the HTTP endpoint with the health checks ({@code /alive},
 * {@code /ready}) and cluster state, and Cluster Bootstrap, which forms or joins the cluster
 * from the peers service discovery finds (the Kubernetes pods API on Kubernetes). With
 * {@code skein.management.tls} the endpoint serves HTTPS only, and bootstrap probes its peers
 * over HTTPS.
 */
final class NodeManagement {

  private static final Logger LOG = LoggerFactory.getLogger(NodeManagement.class);

  private NodeManagement() {}

  /** Whether the endpoint runs: when asked for, and always with bootstrap (peers probe each other on it). */
  static boolean runs(Config config) {
    return config.getBoolean("skein.cluster.bootstrap") || config.getBoolean("skein.management.enabled");
  }

  /**
   * Starts the endpoint if configured, over TLS with {@code tls}'s certificate if given (its key
   * manager follows reloads, so the one context serves renewed certificates).
   */
  static void start(ActorSystem<?> system, Config config, Optional<ServerTls> tls) throws PortInUseException {
    if (!runs(config)) {
      return;
    }
    PortInUseException.checkFree("management", config.getString("akka.management.http.hostname"),
        config.getInt("akka.management.http.port"), "--management-port (akka.management.http.port)");
    try {
      var management = AkkaManagement.get(system.classicSystem());
      var started = tls.isEmpty() ? management.start() : management.start(settings -> settings
          .withHttpsConnectionContext(serverContext(tls.get())));
      LOG.info("Akka Management on {}", started.toCompletableFuture().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException("could not start Akka Management: " + e, e);
    }
    if (config.getBoolean("skein.cluster.bootstrap")) {
      // Bootstrap probes peers with its own endpoint's scheme, through the default client context.
      tls.ifPresent(serverTls -> Http.get(system.classicSystem()).setDefaultClientHttpsContext(peerContext(serverTls)));
      ClusterBootstrap.get(system.classicSystem()).start();
    }
  }

  /** The endpoint's: the broker's certificate; no client certificate asked (probes and Prometheus have none). */
  private static HttpsConnectionContext serverContext(ServerTls tls) {
    return ConnectionContext.httpsServer(sslContext(new KeyManager[] {tls.keyManager()}, null));
  }

  /**
   * Bootstrap's, to probe the peers: a peer's certificate must be of the CA in
   * {@code skein.security.tls.trust}, whatever names it holds, as between brokers over remoting
   * (contact points are addresses, pod IPs on Kubernetes, which the brokers' certificates do not
   * name). Without a CA configured, the JVM's CAs and the host name are checked.
   */
  static HttpsConnectionContext peerContext(ServerTls tls) {
    if (tls.trustManager().isEmpty()) {
      return ConnectionContext.httpsClient(sslContext(null, null));
    }
    SSLContext context = sslContext(null, new TrustManager[] {tls.trustManager().get()});
    return ConnectionContext.httpsClient((host, port) -> {
      SSLEngine engine = context.createSSLEngine(host, port);
      engine.setUseClientMode(true);
      return engine;
    });
  }

  private static SSLContext sslContext(KeyManager[] keyManagers, TrustManager[] trustManagers) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, trustManagers, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the management endpoint's TLS context: " + e, e);
    }
  }
}
