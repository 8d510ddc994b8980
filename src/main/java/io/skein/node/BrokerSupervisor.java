package io.skein.node;

import akka.actor.CoordinatedShutdown;
import com.typesafe.config.Config;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a broker in this process until it is stopped, as successive cluster incarnations.
 *
 * <p>Akka never lets a downed member back in: a broker the others downed while it could not
 * answer (a long GC pause, SIGSTOP, a network partition) shuts its node down once it notices.
 * That is the fencing Skein relies on, but a broker that stays down after the pause ended needs
 * an operator. So when a node's shutdown was caused by downing, the supervisor starts a new
 * node on the same data directory and ports: a new incarnation that joins the cluster, recovers
 * its cleanly closed logs, truncates whatever it wrote after it was fenced, and catches up as a
 * follower. Any other shutdown (SIGTERM, a leave, a failed start) ends the run.
 */
public final class BrokerSupervisor {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerSupervisor.class);

  private BrokerSupervisor() {}

  /** How long a new incarnation retries binding ports its predecessor may still be releasing. */
  private static final Duration REBIND_PATIENCE = Duration.ofSeconds(30);

  /** Runs {@code config}'s broker until it shuts down for a reason other than downing. */
  public static void run(Config config) throws IOException {
    SkeinNode node = SkeinNode.start(config);
    for (int incarnation = 1; ; incarnation++) {
      node.whenTerminated().toCompletableFuture().join();
      Optional<CoordinatedShutdown.Reason> reason = node.shutdownReason();
      if (!reason.equals(Optional.of(CoordinatedShutdown.clusterDowningReason()))) {
        return;
      }
      LOG.warn("Broker {} was downed by the cluster (incarnation {}); starting a new incarnation to rejoin",
          node.config().brokerId(), incarnation);
      node = startAgain(config);
    }
  }

  /**
   * Starts the next incarnation. The previous one's listeners close their sockets
   * asynchronously, so a port can still be taken for a moment after its system terminated.
   */
  private static SkeinNode startAgain(Config config) throws IOException {
    Instant deadline = Instant.now().plus(REBIND_PATIENCE);
    while (true) {
      try {
        return SkeinNode.start(config);
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        LOG.info("Starting the new incarnation failed ({}); trying again", e.getMessage());
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // back-off between attempts
      }
    }
  }
}
