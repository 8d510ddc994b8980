package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.security.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: three brokers with Akka remoting over TLS (skein.cluster.tls, each with its own
 * certificate of one cluster CA) and their management endpoints over HTTPS only
 * (skein.management.tls, so that Cluster Bootstrap probes its peers over HTTPS) form the
 * cluster, serve acks=all writes, and fail over after kill -9 of a partition's leader: nothing
 * acknowledged is lost and the replicas agree. That other peers are refused is
 * RemotingTlsTest's part.
 */
class TlsRemotingFailoverIT {

  static final String TOPIC = "tls-failover";

  @Test
  void brokersTalkingTlsFormTheClusterAndFailOverWithoutLosingAcknowledgedWrites() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-tls-remoting-");
    Path tls = Files.createDirectory(baseDir.resolve("tls"));
    TestCertificates ca = TestCertificates.rsaAuthority("Skein Cluster CA");
    TestCertificates.writePem(ca.ca(), tls.resolve("ca.pem"));
    for (int id = 1; id <= 3; id++) {
      TestCertificates.writePem(ca.server("broker-" + id), tls.resolve("broker-" + id + ".pem"),
          tls.resolve("broker-" + id + ".key"));
    }
    // Remoting takes skein.security.tls's files, as skein.cluster.tls names none.
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir, id -> Map.of(
        "skein.security.tls.certificate", tls.resolve("broker-" + id + ".pem").toString(),
        "skein.security.tls.private-key", tls.resolve("broker-" + id + ".key").toString(),
        "skein.security.tls.trust", tls.resolve("ca.pem").toString(),
        "skein.cluster.tls.enabled", "on",
        "skein.management.tls", "on",
        "skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      for (int id : cluster.ids()) {
        assertEquals("CN=broker-" + id + ",O=Skein Tests", peerSubject(ca, cluster.remotingPort(id), id),
            "broker " + id + "'s remoting port speaks TLS with its own certificate");
        assertEquals("CN=broker-" + id + ",O=Skein Tests", peerSubject(ca, cluster.managementPort(id), id),
            "broker " + id + "'s management endpoint speaks TLS with its own certificate");
        assertThrows(IOException.class, () -> plainHttpGet(cluster, id), "and answers no plaintext request");
      }
      cluster.createTopic(TOPIC, 3, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, 3, 3);
      // Broker 1, the oldest, hosts the Controller: kill the leader of a partition it only follows.
      int partition = IntStream.range(0, 3)
          .filter(p -> cluster.partition(TOPIC, p).orElseThrow().getLeader() != 1).findFirst().orElseThrow();
      int leader = cluster.partition(TOPIC, partition).orElseThrow().getLeader();
      BrokerProcess victim = cluster.broker(leader);
      Map<Long, String> ackedBeforeKill = new TreeMap<>();
      Map<Long, String> acked = new TreeMap<>();
      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, partition, "tls", id -> cluster.broker(id).isAlive())) {
        assertEventually("200 records acknowledged over the TLS cluster", Duration.ofSeconds(60),
            () -> load.ackedCount() >= 200, () -> "errors " + load.errors);
        ackedBeforeKill.putAll(load.acked);
        victim.kill();
        long killedAt = System.nanoTime();
        int ackedAtKill = load.ackedCount();
        assertEventually("200 more records acknowledged after the kill -9 of leader " + leader, Duration.ofSeconds(90),
            () -> load.ackedCount() >= ackedAtKill + 200, () -> "errors " + load.errors);
        System.out.printf("TlsRemotingFailoverIT: first acks=all write acknowledged %.1f s after the kill -9 of"
            + " leader %d%n", (load.firstAckAfter(killedAt).orElseThrow() - killedAt) / 1e9, leader);
        load.close();
        acked.putAll(load.acked);
      }

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      List<ReplicaChecker.ReplicaLog> replicas = cluster.replicaLogs(TOPIC, partition);
      // All three agree on what was acknowledged before the kill; the survivors hold everything acknowledged.
      ReplicaChecker.check(ackedBeforeKill, replicas);
      ReplicaChecker.check(acked, replicas.stream().filter(r -> !r.dir().startsWith(victim.dataDir)).toList());
      System.out.printf("TlsRemotingFailoverIT: %d acks=all records acknowledged, %d of them before the kill;"
          + " replicas agree%n", acked.size(), ackedBeforeKill.size());
    }
  }

  /** The subject of the certificate broker {@code id} shows on {@code port}, to a client of the cluster CA. */
  private static String peerSubject(TestCertificates ca, int port, int id) throws Exception {
    SSLContext context = ca.clientContext(Optional.of(ca.server("probe")));
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(SkeinCluster.host(id), port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }

  private static void plainHttpGet(SkeinCluster cluster, int id) throws Exception {
    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(HttpRequest.newBuilder(
            URI.create("http://" + SkeinCluster.host(id) + ":" + cluster.managementPort(id) + "/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
  }
}
