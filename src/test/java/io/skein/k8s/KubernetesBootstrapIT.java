package io.skein.k8s;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.skein.security.TestCertificates;
import io.skein.testing.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The StatefulSet's three pods form one cluster through Cluster Bootstrap and kubernetes-api
 * discovery, as on Kubernetes: each broker JVM runs the ConfigMap's skein.conf, with its secure
 * defaults (TLS between brokers, to a TLS-only PostgreSQL checked with verify-full, and on the
 * SCRAM and Basic-authenticated listeners; the Secrets' files at this machine's paths), reads its
 * service account (token, CA, namespace) from files, lists the pods from a stand-in API
 * server over HTTPS, probes the others' management endpoints, and joins. Then every pod
 * answers /ready, and all three are Up members.
 */
class KubernetesBootstrapIT {

  private static final String NAMESPACE = "skein";
  private static final List<String> POD_IPS = List.of("127.0.0.21", "127.0.0.22", "127.0.0.23");

  @TempDir
  Path dir;

  private final List<AutoCloseable> running = new ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  @Test
  void threePodsFormOneClusterThroughTheKubernetesApi() throws Exception {
    JsonNode configMap = new YAMLMapper().readTree(Path.of("k8s", "configmap.yaml").toFile());
    Path skeinConf = dir.resolve("skein.conf");
    Files.writeString(skeinConf, configMap.at("/data/skein.conf").asText());

    // The Secrets' files (cert-manager's layout), at paths of this machine: the brokers' (RSA, as
    // TLS between brokers needs) and the journal server's, of one CA.
    Path tls = Files.createDirectories(dir.resolve("tls"));
    TestCertificates ca = TestCertificates.rsaAuthority("Skein cluster CA");
    TestCertificates.writePem(ca.server("skein-headless"), tls.resolve("tls.crt"), tls.resolve("tls.key"));
    TestCertificates.writePem(ca.ca(), tls.resolve("ca.crt"));
    Path postgresTls = Files.createDirectories(dir.resolve("postgres-tls"));
    TestCertificates.writePem(ca.server("skein-postgres"), postgresTls.resolve("tls.crt"),
        postgresTls.resolve("tls.key"));
    Files.setPosixFilePermissions(postgresTls.resolve("tls.key"), PosixFilePermissions.fromString("rw-------"));
    // TLS only, as postgres.yaml's pg_hba.conf: a plaintext journal connection would be refused.
    Path hba = Files.writeString(dir.resolve("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n");

    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setPort(FreePorts.on("127.0.0.1"))
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("ssl", "on")
        .setServerConfig("ssl_cert_file", postgresTls.resolve("tls.crt").toString())
        .setServerConfig("ssl_key_file", postgresTls.resolve("tls.key").toString())
        .setServerConfig("hba_file", hba.toString())
        .setDataDirectory(dir.resolve("postgres"))
        .start();
    running.add(postgres);

    List<PodProcess.Ports> ports = new ArrayList<>();
    List<PodsApiStandIn.Pod> pods = new ArrayList<>();
    for (int ordinal = 0; ordinal < POD_IPS.size(); ordinal++) {
      PodProcess.Ports free = PodProcess.Ports.free(POD_IPS.get(ordinal));
      ports.add(free);
      pods.add(new PodsApiStandIn.Pod("skein-" + ordinal, POD_IPS.get(ordinal),
          Map.of("grpc", free.grpc(), "remoting", free.remoting(), "management", free.management())));
    }
    // The selector the manifests' discovery settings produce (checked against the pod labels
    // in KubernetesManifestsTest).
    Path serviceAccount = dir.resolve("serviceaccount");
    PodsApiStandIn api = PodsApiStandIn.start(serviceAccount, NAMESPACE, "app.kubernetes.io/name=skein", pods);
    running.add(api);

    Map<String, String> environment = Map.of(
        "KUBERNETES_SERVICE_HOST", "127.0.0.1",
        "KUBERNETES_SERVICE_PORT", Integer.toString(api.port()),
        "POD_NAMESPACE", NAMESPACE,
        "SKEIN_JOURNAL_URL", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres",
        "SKEIN_JOURNAL_USER", "postgres",
        "SKEIN_JOURNAL_PASSWORD", "",
        "SKEIN_ADMIN_PASSWORD", "admin-secret");
    List<String> settings = List.of(
        "-Dakka.discovery.kubernetes-api.api-ca-path=" + serviceAccount.resolve("ca.crt"),
        "-Dakka.discovery.kubernetes-api.api-token-path=" + serviceAccount.resolve("token"),
        "-Dakka.discovery.kubernetes-api.pod-namespace-path=" + serviceAccount.resolve("namespace"),
        "-Dskein.security.tls.certificate=" + tls.resolve("tls.crt"),
        "-Dskein.security.tls.private-key=" + tls.resolve("tls.key"),
        "-Dskein.security.tls.trust=" + tls.resolve("ca.crt"),
        "-Dskein.journal.tls.trust=" + tls.resolve("ca.crt"),
        // Shorter than on Kubernetes, where pods start minutes apart at worst.
        "-Dakka.management.cluster.bootstrap.contact-point-discovery.stable-margin=3s");
    List<PodProcess> brokers = new ArrayList<>();
    for (int ordinal = 0; ordinal < POD_IPS.size(); ordinal++) {
      PodProcess pod = PodProcess.launch("skein-" + ordinal, POD_IPS.get(ordinal), ports.get(ordinal), skeinConf,
          dir.resolve("skein-" + ordinal), environment, settings, Optional.of(ca.ca()));
      running.add(pod);
      brokers.add(pod);
    }

    for (PodProcess pod : brokers) {
      assertEventually(pod.name + " ready (output in " + pod.logFile + ")", Duration.ofSeconds(150), () -> {
        if (pod.ready()) {
          return true;
        }
        assertFalse(pod.exitedWithin(Duration.ofMillis(500)), () -> pod.name + " exited:\n" + pod.output());
        return false;
      });
    }

    HttpResponse<String> members = brokers.get(0).management("/cluster/members");
    assertEquals(200, members.statusCode());
    JsonNode state = new ObjectMapper().readTree(members.body());
    Set<String> up = new TreeSet<>();
    for (JsonNode member : state.get("members")) {
      if (member.get("status").asText().equals("Up")) {
        up.add(member.get("node").asText());
      }
    }
    Set<String> expected = new TreeSet<>();
    for (int ordinal = 0; ordinal < POD_IPS.size(); ordinal++) {
      expected.add("akka://skein@" + POD_IPS.get(ordinal) + ":" + ports.get(ordinal).remoting());
    }
    assertEquals(expected, up, members.body());
    // Broker ids came from the pod names (skein-N is broker N).
    for (JsonNode member : state.get("members")) {
      String node = member.get("node").asText();
      int ordinal = POD_IPS.indexOf(node.substring("akka://skein@".length(), node.lastIndexOf(':')));
      assertTrue(member.get("roles").toString().contains("skein-broker-" + ordinal), member.toString());
    }
    assertTrue(api.listed() > 0);
    assertEquals(0, api.refused(), "requests the pods' service account could not have made");
  }
}
