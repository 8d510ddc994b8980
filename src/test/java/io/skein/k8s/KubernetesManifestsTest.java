package io.skein.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.skein.node.SkeinNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads k8s/ the way {@code kubectl apply -k k8s} would (every file kustomization.yaml
 * lists) and checks that the pieces agree: with each other (selectors, names, ports) and
 * with the broker configuration the ConfigMap holds.
 */
class KubernetesManifestsTest {

  private static final Path K8S = Path.of("k8s");
  private static final YAMLMapper YAML = new YAMLMapper();

  /** Variables the file refers to: HOSTNAME from Kubernetes, the rest from the StatefulSet. */
  private static final Map<String, String> POD_ENVIRONMENT = Map.of(
      "HOSTNAME", "skein-2", "POD_IP", "10.1.2.3", "POD_NAMESPACE", "skein",
      "SKEIN_JOURNAL_USER", "skein", "SKEIN_JOURNAL_PASSWORD", "secret", "SKEIN_ADMIN_PASSWORD", "admin-secret");

  /** The Secrets of the brokers' certificate and of the journal server's (cert-manager's layout). */
  private static final String BROKER_TLS_SECRET = "skein-tls";
  private static final String JOURNAL_TLS_SECRET = "skein-postgres-tls";

  private static JsonNode kustomization;
  private static final Map<String, JsonNode> byKindAndName = new HashMap<>();
  /** The ConfigMap's skein.conf loaded as a pod would, over the embedded defaults. */
  private static Config brokerConfig;

  @BeforeAll
  static void readManifests() throws IOException {
    kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
    for (JsonNode resource : kustomization.get("resources")) {
      for (JsonNode doc : documents(K8S.resolve(resource.asText()))) {
        String key = doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText();
        assertTrue(byKindAndName.put(key, doc) == null, "defined twice: " + key);
      }
    }
    brokerConfig = podConfig();
  }

  /** The YAML documents of a file (or of kubectl's output), empty ones left out. */
  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isEmpty()) {
          all.add(doc);
        }
      }
    }
    return all;
  }

  /**
   * The ConfigMap's skein.conf as broker skein-2 loads it. HOCON resolves ${HOSTNAME} and
   * friends from the process environment, which a test cannot set: substitute the variables
   * the pod gets (see {@link #POD_ENVIRONMENT}), then load the file as a broker does.
   */
  private static Config podConfig() throws IOException {
    String text = resource("ConfigMap/skein-config").at("/data/skein.conf").asText();
    for (Map.Entry<String, String> variable : POD_ENVIRONMENT.entrySet()) {
      text = text.replace("${" + variable.getKey() + "}", ConfigValueFactory.fromAnyRef(variable.getValue())
          .render(ConfigRenderOptions.concise()));
    }
    assertFalse(text.matches("(?s).*\\$\\{[A-Z_]+}.*"), "an environment variable the StatefulSet does not set");
    Path file = Files.createTempFile("skein-k8s", ".conf");
    try {
      Files.writeString(file, text);
      return SkeinNode.loadConfig(Optional.of(file), Map.of("skein.broker.hostname", "skein-2"));
    } finally {
      Files.delete(file);
    }
  }

  private static JsonNode resource(String kindAndName) {
    JsonNode node = byKindAndName.get(kindAndName);
    assertNotNull(node, "k8s/ has no " + kindAndName + "; it has " + byKindAndName.keySet());
    return node;
  }

  private static JsonNode brokerSet() {
    return resource("StatefulSet/skein");
  }

  private static JsonNode brokerContainer() {
    return brokerSet().at("/spec/template/spec/containers/0");
  }

  private static Map<String, String> podLabels() {
    return strings(brokerSet().at("/spec/template/metadata/labels"));
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new HashMap<>();
    object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private static boolean selects(JsonNode matchLabels, Map<String, String> labels) {
    Map<String, String> wanted = strings(matchLabels);
    return !wanted.isEmpty() && labels.entrySet().containsAll(wanted.entrySet());
  }

  /** Container port number by name. */
  private static Map<String, Integer> containerPorts() {
    Map<String, Integer> ports = new HashMap<>();
    brokerContainer().get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
    return ports;
  }

  @Test
  void kustomizationListsEveryManifest() throws IOException {
    Set<String> listed = new HashSet<>();
    kustomization.get("resources").forEach(r -> listed.add(r.asText()));
    try (Stream<Path> files = Files.list(K8S)) {
      Set<String> onDisk = files.map(f -> f.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
          .collect(Collectors.toSet());
      assertEquals(onDisk, listed);
    }
  }

  @Test
  void containerPortsAreTheConfiguredPorts() {
    Map<String, Integer> ports = containerPorts();
    assertEquals(brokerConfig.getInt("skein.grpc.port"), ports.get("grpc"));
    assertEquals(brokerConfig.getInt("skein.kafka.port"), ports.get("kafka"));
    assertEquals(brokerConfig.getInt("akka.remote.artery.canonical.port"), ports.get("remoting"));
    assertEquals(brokerConfig.getInt("akka.management.http.port"), ports.get("management"));
    // Bootstrap finds each pod's management endpoint by this container port name.
    assertEquals("management",
        brokerConfig.getString("akka.management.cluster.bootstrap.contact-point-discovery.port-name"));
    // The ConfigMap is mounted where the container's arguments look for it.
    assertTrue(brokerContainer().get("args").toString().contains("/etc/skein/skein.conf"));
    assertTrue(mountPaths().containsValue("/etc/skein"));
  }

  @Test
  void servicesSelectTheBrokersAndExposeTheirPorts() {
    Map<String, Integer> ports = containerPorts();
    JsonNode headless = resource("Service/" + brokerSet().at("/spec/serviceName").asText());
    assertEquals("None", headless.at("/spec/clusterIP").asText());
    assertTrue(headless.at("/spec/publishNotReadyAddresses").asBoolean(),
        "pods must resolve each other while they form the cluster, before they are ready");
    assertTrue(selects(headless.at("/spec/selector"), podLabels()));
    for (JsonNode port : headless.at("/spec/ports")) {
      assertEquals(ports.get(port.get("targetPort").asText()), port.get("port").asInt(), port.toString());
    }
    Set<String> headlessPorts = new HashSet<>();
    headless.at("/spec/ports").forEach(p -> headlessPorts.add(p.get("targetPort").asText()));
    assertTrue(headlessPorts.containsAll(Set.of("remoting", "management", "grpc", "kafka")));

    JsonNode client = resource("Service/skein");
    assertTrue(selects(client.at("/spec/selector"), podLabels()));
    JsonNode grpc = client.at("/spec/ports/0");
    assertEquals("grpc", grpc.get("targetPort").asText());
    assertEquals(brokerConfig.getInt("skein.grpc.port"), grpc.get("port").asInt());
    JsonNode kafka = client.at("/spec/ports/1");
    assertEquals("kafka", kafka.get("targetPort").asText());
    assertEquals(brokerConfig.getInt("skein.kafka.port"), kafka.get("port").asInt());
    // The advertised hosts are a pod DNS name under the headless Service.
    assertEquals("skein-2." + headless.at("/metadata/name").asText() + ".skein.svc.cluster.local",
        brokerConfig.getString("skein.grpc.advertised-host"));
    assertEquals(brokerConfig.getString("skein.grpc.advertised-host"),
        brokerConfig.getString("skein.kafka.advertised-host"));
  }

  @Test
  void statefulSetRunsThreeBrokersWithStableIdsAndVolumes() {
    JsonNode spec = brokerSet().get("spec");
    int replicas = spec.get("replicas").asInt();
    assertEquals(3, replicas);
    assertTrue(selects(spec.at("/selector/matchLabels"), podLabels()));
    assertEquals("Parallel", spec.get("podManagementPolicy").asText(),
        "a new cluster needs a majority of the pods, so they must not wait for each other to be ready");
    assertEquals(replicas / 2 + 1, brokerConfig.getInt(
        "akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"),
        "a majority of the replicas forms a new cluster");
    assertEquals("io.skein.node.MajorityJoinDecider",
        brokerConfig.getString("akka.management.cluster.bootstrap.join-decider.class"));
    // skein-2 is broker 2.
    assertEquals(2, io.skein.node.BrokerConfig.from(brokerConfig).brokerId());
    // The data directory is on the volume claim template's volume.
    String claim = spec.at("/volumeClaimTemplates/0/metadata/name").asText();
    String mount = mountPaths().get(claim);
    assertNotNull(mount, "no volume mount for claim " + claim);
    assertTrue(Path.of(brokerConfig.getString("skein.data-dir")).startsWith(Path.of(mount)));
    // Environment the ConfigMap refers to.
    Map<String, String> fieldRefs = new HashMap<>();
    brokerContainer().get("env").forEach(e -> {
      if (e.at("/valueFrom/fieldRef/fieldPath").isTextual()) {
        fieldRefs.put(e.get("name").asText(), e.at("/valueFrom/fieldRef/fieldPath").asText());
      }
    });
    assertEquals("status.podIP", fieldRefs.get("POD_IP"));
    Set<String> containerEnv = new HashSet<>();
    brokerContainer().get("env").forEach(e -> containerEnv.add(e.get("name").asText()));
    for (String variable : POD_ENVIRONMENT.keySet()) {
      assertTrue(variable.equals("HOSTNAME") || containerEnv.contains(variable), "the pod lacks " + variable);
    }
    assertEquals("metadata.namespace", fieldRefs.get("POD_NAMESPACE"));
  }

  @Test
  void brokersSpreadAcrossNodesAndZonesWithBoundedResources() {
    JsonNode antiAffinity = brokerSet().at("/spec/template/spec/affinity/podAntiAffinity");
    List<JsonNode> terms = new ArrayList<>();
    antiAffinity.path("requiredDuringSchedulingIgnoredDuringExecution").forEach(terms::add);
    antiAffinity.path("preferredDuringSchedulingIgnoredDuringExecution")
        .forEach(t -> terms.add(t.get("podAffinityTerm")));
    Set<String> topologies = new HashSet<>();
    for (JsonNode term : terms) {
      assertTrue(selects(term.at("/labelSelector/matchLabels"), podLabels()), term.toString());
      topologies.add(term.get("topologyKey").asText());
    }
    assertEquals(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), topologies);
    JsonNode resources = brokerContainer().get("resources");
    for (String bound : List.of("requests", "limits")) {
      assertTrue(resources.at("/" + bound + "/cpu").isValueNode(), bound + " cpu");
      assertTrue(resources.at("/" + bound + "/memory").isValueNode(), bound + " memory");
    }
  }

  @Test
  void probesAskTheManagementEndpoint() {
    Map<String, String> expected = Map.of("readinessProbe", "/ready", "livenessProbe", "/alive", "startupProbe",
        "/alive");
    expected.forEach((probe, path) -> {
      JsonNode httpGet = brokerContainer().at("/" + probe + "/httpGet");
      assertEquals(path, httpGet.get("path").asText(), probe);
      assertEquals("management", httpGet.get("port").asText(), probe);
      // The endpoint serves HTTPS only: a probe over HTTP would never pass.
      assertEquals(brokerConfig.getBoolean("skein.management.tls") ? "HTTPS" : "HTTP",
          httpGet.path("scheme").asText("HTTP"), probe);
    });
    JsonNode scrape = brokerSet().at("/spec/template/metadata/annotations");
    assertEquals(String.valueOf(brokerConfig.getInt("akka.management.http.port")),
        scrape.get("prometheus.io/port").asText());
    assertEquals(brokerConfig.getBoolean("skein.management.tls") ? "https" : "http",
        scrape.path("prometheus.io/scheme").asText("http"), "Prometheus scrapes /metrics as the endpoint serves it");
    assertEquals("/" + brokerConfig.getString("akka.management.health-checks.readiness-path"),
        expected.get("readinessProbe"));
    assertEquals("/" + brokerConfig.getString("akka.management.health-checks.liveness-path"),
        expected.get("livenessProbe"));
  }

  @Test
  void graceOutlastsTheControlledShutdown() {
    // Kubernetes SIGKILLs after the grace period: it must cover every shutdown phase.
    long phaseTimeouts = 0;
    Config shutdown = brokerConfig.getConfig("akka.coordinated-shutdown");
    Duration defaultTimeout = shutdown.getDuration("default-phase-timeout");
    ConfigObject phases = shutdown.getObject("phases");
    for (Map.Entry<String, ConfigValue> phase : phases.entrySet()) {
      Config settings = shutdown.getConfig("phases." + phase.getKey());
      phaseTimeouts += settings.hasPath("timeout")
          ? settings.getDuration("timeout").toSeconds() : defaultTimeout.toSeconds();
    }
    long grace = brokerSet().at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    assertTrue(grace >= phaseTimeouts, "grace " + grace + " s < shutdown phases " + phaseTimeouts + " s");
  }

  @Test
  void brokersMayListPodsAndNothingMore() {
    String account = brokerSet().at("/spec/template/spec/serviceAccountName").asText();
    resource("ServiceAccount/" + account);
    JsonNode binding = byKindAndName.values().stream()
        .filter(r -> r.get("kind").asText().equals("RoleBinding"))
        .filter(r -> r.at("/subjects/0/name").asText().equals(account))
        .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding for " + account));
    assertEquals(kustomization.get("namespace").asText(), binding.at("/subjects/0/namespace").asText());
    JsonNode role = resource("Role/" + binding.at("/roleRef/name").asText());
    assertEquals(1, role.get("rules").size());
    JsonNode rule = role.at("/rules/0");
    assertEquals("[\"\"]", rule.get("apiGroups").toString());
    assertEquals("[\"pods\"]", rule.get("resources").toString());
    assertTrue(rule.get("verbs").toString().contains("\"list\""));
    assertFalse(rule.get("verbs").toString().matches(".*(create|update|patch|delete).*"));
    // Discovery's label selector finds exactly these pods.
    String selector = brokerConfig.getString("akka.discovery.kubernetes-api.pod-label-selector").replace("%s",
        brokerConfig.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
    String[] labelAndValue = selector.split("=");
    assertEquals(labelAndValue[1], podLabels().get(labelAndValue[0]));
    assertEquals("kubernetes-api",
        brokerConfig.getString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    assertTrue(brokerConfig.getBoolean("skein.cluster.bootstrap"));
  }

  @Test
  void disruptionBudgetLetsOneBrokerGoAtATime() {
    JsonNode budget = resource("PodDisruptionBudget/skein");
    assertEquals(1, budget.at("/spec/maxUnavailable").asInt());
    assertTrue(selects(budget.at("/spec/selector/matchLabels"), podLabels()));
  }

  @Test
  void remotingAndManagementOnlyFromOtherBrokers() {
    JsonNode policy = resource("NetworkPolicy/skein");
    assertTrue(selects(policy.at("/spec/podSelector/matchLabels"), podLabels()));
    int remoting = brokerConfig.getInt("akka.remote.artery.canonical.port");
    int management = brokerConfig.getInt("akka.management.http.port");
    boolean grpcOpen = false;
    for (JsonNode rule : policy.at("/spec/ingress")) {
      Set<Integer> ports = new HashSet<>();
      rule.get("ports").forEach(p -> ports.add(p.get("port").asInt()));
      if (ports.contains(remoting) || ports.contains(management)) {
        assertTrue(rule.has("from"), "remoting and management must not be open to all: " + rule);
        for (JsonNode peer : rule.get("from")) {
          assertTrue(selects(peer.at("/podSelector/matchLabels"), podLabels()), peer.toString());
          assertFalse(peer.has("namespaceSelector") || peer.has("ipBlock"), peer.toString());
        }
      }
      grpcOpen |= ports.contains(brokerConfig.getInt("skein.grpc.port"));
    }
    assertTrue(grpcOpen, "clients must reach gRPC");
  }

  @Test
  void journalIsTheBundledPostgresWithItsSecret() {
    assertEquals("org.postgresql.Driver",
        brokerConfig.getString("akka-persistence-jdbc.shared-databases.slick.db.driver"));
    String url = brokerConfig.getString("akka-persistence-jdbc.shared-databases.slick.db.url");
    JsonNode postgresService = resource("Service/skein-postgres");
    assertTrue(url.startsWith("jdbc:postgresql://skein-postgres:" + postgresService.at("/spec/ports/0/port").asInt()
        + "/"), url);
    JsonNode postgres = resource("StatefulSet/skein-postgres");
    assertTrue(selects(postgresService.at("/spec/selector"),
        strings(postgres.at("/spec/template/metadata/labels"))));
    assertFalse(postgres.at("/spec/volumeClaimTemplates").isEmpty());
    // Every secret the brokers and the database read exists with that key; the journal's credentials
    // are skein-postgres's.
    List<JsonNode> envs = new ArrayList<>();
    brokerContainer().get("env").forEach(envs::add);
    postgres.at("/spec/template/spec/containers/0/env").forEach(envs::add);
    for (JsonNode env : envs) {
      JsonNode ref = env.at("/valueFrom/secretKeyRef");
      if (!ref.isMissingNode()) {
        assertTrue(resource("Secret/" + ref.get("name").asText()).get("stringData").has(ref.get("key").asText()),
            env.toString());
        if (env.get("name").asText().startsWith("SKEIN_JOURNAL_")) {
          assertEquals("skein-postgres", ref.get("name").asText(), env.toString());
        }
      }
    }
  }

  @Test
  void clientsBrokersAndTheJournalUseTlsAndScramByDefault() {
    assertEquals("SASL_SSL", brokerConfig.getString("skein.kafka.security-protocol"));
    assertTrue(brokerConfig.getBoolean("skein.grpc.tls"));
    assertEquals("basic", brokerConfig.getString("skein.grpc.authentication"));
    assertTrue(brokerConfig.getBoolean("skein.cluster.tls.enabled"));
    assertTrue(brokerConfig.getBoolean("skein.management.tls"));
    assertTrue(brokerConfig.getBoolean("skein.journal.tls.enabled"));
    assertEquals("verify-full", brokerConfig.getString("skein.journal.tls.mode"));
    // Key material from Secrets, mounted where the configuration looks for it.
    JsonNode pod = brokerSet().at("/spec/template/spec");
    for (String key : List.of("certificate", "private-key", "trust")) {
      String file = brokerConfig.getString("skein.security.tls." + key);
      assertEquals(BROKER_TLS_SECRET, volumeWith(pod, brokerContainer(), file).at("/secret/secretName").asText(), key);
      assertEquals("", brokerConfig.getString("skein.cluster.tls." + key), "between brokers, the same " + key);
    }
    String journalTrust = brokerConfig.getString("skein.journal.tls.trust");
    assertEquals(JOURNAL_TLS_SECRET,
        volumeWith(pod, brokerContainer(), journalTrust).at("/secret/secretName").asText());
    // The bootstrap admin's password is the Secret's.
    assertEquals(POD_ENVIRONMENT.get("SKEIN_ADMIN_PASSWORD"),
        brokerConfig.getString("skein.security.sasl.users.admin"));
    JsonNode ref = env(brokerContainer(), "SKEIN_ADMIN_PASSWORD").at("/valueFrom/secretKeyRef");
    assertTrue(resource("Secret/" + ref.get("name").asText()).get("stringData").has(ref.get("key").asText()));
  }

  @Test
  void theBundledJournalServesTlsOnlyWithTheCertificateOfItsSecret() {
    JsonNode pod = resource("StatefulSet/skein-postgres").at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");
    Map<String, String> settings = new HashMap<>();
    JsonNode args = container.get("args");
    for (int i = 0; i < args.size(); i += 2) {
      assertEquals("-c", args.get(i).asText());
      String[] setting = args.get(i + 1).asText().split("=", 2);
      settings.put(setting[0], setting[1]);
    }
    assertEquals("on", settings.get("ssl"));
    for (String file : List.of("ssl_cert_file", "ssl_key_file")) {
      JsonNode volume = volumeWith(pod, container, settings.get(file));
      assertEquals(JOURNAL_TLS_SECRET, volume.at("/secret/secretName").asText(), file);
      // PostgreSQL takes a key owned by root only if no more than its group may read it.
      assertEquals(0640, volume.at("/secret/defaultMode").asInt(), file);
    }
    assertTrue(pod.at("/securityContext/fsGroup").isInt(), "the postgres group may read the key");
    Path hbaFile = Path.of(settings.get("hba_file"));
    String hba = resource("ConfigMap/" + volumeWith(pod, container, hbaFile.toString()).at("/configMap/name").asText())
        .at("/data/" + hbaFile.getFileName()).asText();
    List<String> rules = hba.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertTrue(rules.stream().anyMatch(rule -> rule.startsWith("hostssl ")), hba);
    for (String rule : rules) {
      assertTrue(rule.startsWith("local ") || rule.startsWith("hostssl "),
          "network connections over TLS only: " + rule);
      assertFalse(rule.endsWith(" trust") && !rule.startsWith("local "), rule);
    }
  }

  @Test
  void certManagerIssuesTheSecretsTheBrokersAndTheJournalMount() throws IOException {
    Map<String, JsonNode> issued = component("cert-manager");
    JsonNode broker = certificateFor(issued, BROKER_TLS_SECRET);
    // Akka's TLS between brokers reads RSA keys only, the listeners PKCS8 keys only.
    assertEquals("RSA", broker.at("/spec/privateKey/algorithm").asText());
    assertEquals("PKCS8", broker.at("/spec/privateKey/encoding").asText());
    // Each broker is a server to clients and to the other brokers, and their client.
    assertTrue(texts(broker.at("/spec/usages")).containsAll(List.of("server auth", "client auth")));
    List<String> brokerNames = texts(broker.at("/spec/dnsNames"));
    assertTrue(names(brokerNames, brokerConfig.getString("skein.kafka.advertised-host")), brokerNames.toString());
    assertTrue(names(brokerNames, brokerConfig.getString("skein.grpc.advertised-host")), brokerNames.toString());
    assertTrue(names(brokerNames, "skein." + kustomization.get("namespace").asText() + ".svc.cluster.local"),
        "the client Service's name: " + brokerNames);
    JsonNode journal = certificateFor(issued, JOURNAL_TLS_SECRET);
    String journalHost = URI.create(
        brokerConfig.getString("akka-persistence-jdbc.shared-databases.slick.db.url").substring("jdbc:".length()))
        .getHost();
    assertTrue(names(texts(journal.at("/spec/dnsNames")), journalHost), "the journal URL's host " + journalHost);
    assertTrue(texts(journal.at("/spec/usages")).contains("server auth"));
    // Both from one CA, whose certificate the brokers trust (ca.crt of each Secret).
    for (JsonNode certificate : List.of(broker, journal)) {
      JsonNode issuer = issued.get("Issuer/" + certificate.at("/spec/issuerRef/name").asText());
      assertNotNull(issuer, certificate.toString());
      JsonNode ca = certificateFor(issued, issuer.at("/spec/ca/secretName").asText());
      assertTrue(ca.at("/spec/isCA").asBoolean());
    }
  }

  @Test
  void theBaseNeedsNeitherCertManagerNorCloudNativePg() throws Exception {
    List<JsonNode> rendered = kustomize(Path.of("k8s"));
    assertEquals(byKindAndName.keySet(), rendered.stream()
        .map(r -> r.get("kind").asText() + "/" + r.at("/metadata/name").asText()).collect(Collectors.toSet()));
    for (JsonNode resource : rendered) {
      assertFalse(resource.get("apiVersion").asText().matches("(cert-manager\\.io|postgresql\\.cnpg\\.io)/.*"),
          resource.get("kind").asText());
    }
  }

  @Test
  void theHighlyAvailableJournalReplacesTheSinglePod() throws Exception {
    Path overlay = Files.createDirectories(Path.of("target", "k8s-overlay-test"));
    Files.writeString(overlay.resolve("kustomization.yaml"), """
        resources: [../../k8s]
        components: [../../k8s/cert-manager, ../../k8s/postgres-ha]
        """);
    Map<String, JsonNode> rendered = new HashMap<>();
    kustomize(overlay).forEach(r -> rendered.put(r.get("kind").asText() + "/" + r.at("/metadata/name").asText(), r));
    for (String gone : List.of("StatefulSet/skein-postgres", "Service/skein-postgres",
        "ConfigMap/skein-postgres-config", "NetworkPolicy/skein-postgres")) {
      assertFalse(rendered.containsKey(gone), gone);
    }
    JsonNode cluster = rendered.values().stream().filter(r -> r.get("kind").asText().equals("Cluster")).findFirst()
        .orElseThrow(() -> new AssertionError("no CloudNativePG Cluster: " + rendered.keySet()));
    assertEquals("postgresql.cnpg.io/v1", cluster.get("apiVersion").asText());
    assertTrue(cluster.at("/spec/instances").asInt() >= 3);
    assertTrue(cluster.at("/spec/postgresql/synchronous/number").asInt() >= 1, "commits reach a standby");
    assertEquals("required", cluster.at("/spec/affinity/podAntiAffinityType").asText());
    // The brokers write to the primary's Service, over TLS with the certificate cert-manager issues for it.
    JsonNode brokers = rendered.get("StatefulSet/skein").at("/spec/template/spec/containers/0");
    String url = env(brokers, "SKEIN_JOURNAL_URL").get("value").asText();
    URI journal = URI.create(url.substring("jdbc:".length()));
    String primary = cluster.at("/metadata/name").asText() + "-rw";
    assertEquals(primary, journal.getHost());
    assertEquals("/" + cluster.at("/spec/bootstrap/initdb/database").asText(), journal.getPath());
    assertEquals(JOURNAL_TLS_SECRET, cluster.at("/spec/certificates/serverTLSSecret").asText());
    assertEquals(JOURNAL_TLS_SECRET, cluster.at("/spec/certificates/serverCASecret").asText());
    JsonNode journalCertificate = certificateFor(component("cert-manager"), JOURNAL_TLS_SECRET);
    assertTrue(names(texts(journalCertificate.at("/spec/dnsNames")), primary), "the certificate names " + primary);
    // Its owner is the brokers' journal user, from the same Secret.
    JsonNode credentials = rendered.get("Secret/" + cluster.at("/spec/bootstrap/initdb/secret/name").asText());
    assertEquals("kubernetes.io/basic-auth", credentials.get("type").asText());
    assertEquals(cluster.at("/spec/bootstrap/initdb/owner").asText(), credentials.at("/stringData/username").asText());
    assertEquals(credentials.at("/metadata/name").asText(),
        env(brokers, "SKEIN_JOURNAL_USER").at("/valueFrom/secretKeyRef/name").asText());
  }

  /** The resources of the kustomize Component in k8s/{@code name}, by kind and name. */
  private static Map<String, JsonNode> component(String name) throws IOException {
    Path dir = K8S.resolve(name);
    JsonNode component = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
    assertEquals("Component", component.get("kind").asText());
    Map<String, JsonNode> resources = new HashMap<>();
    for (JsonNode file : component.get("resources")) {
      for (JsonNode doc : documents(dir.resolve(file.asText()))) {
        resources.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
      }
    }
    return resources;
  }

  /** What {@code kubectl kustomize dir} makes, as kubectl apply -k would apply it. */
  private static List<JsonNode> kustomize(Path dir) throws Exception {
    Path output = Files.createTempFile("skein-kustomize", ".yaml");
    try {
      Process kubectl;
      try {
        kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectOutput(output.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      } catch (IOException noKubectl) {
        Assumptions.abort("kubectl is not installed: " + noKubectl.getMessage());
        throw noKubectl;
      }
      assertTrue(kubectl.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " finished");
      assertEquals(0, kubectl.exitValue(), "kubectl kustomize " + dir);
      return documents(output);
    } finally {
      Files.delete(output);
    }
  }

  private static JsonNode certificateFor(Map<String, JsonNode> resources, String secret) {
    return resources.values().stream()
        .filter(r -> r.get("kind").asText().equals("Certificate") && r.at("/spec/secretName").asText().equals(secret))
        .findFirst().orElseThrow(() -> new AssertionError("no Certificate of the Secret " + secret));
  }

  /** Whether a certificate with these DNS names (a "*." one for one label) names {@code host}. */
  private static boolean names(List<String> dnsNames, String host) {
    return dnsNames.contains(host)
        || dnsNames.contains("*" + host.substring(Math.max(host.indexOf('.'), 0)));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(t -> texts.add(t.asText()));
    return texts;
  }

  private static JsonNode env(JsonNode container, String name) {
    for (JsonNode env : container.get("env")) {
      if (env.get("name").asText().equals(name)) {
        return env;
      }
    }
    throw new AssertionError("no " + name + " in the environment of " + container.get("name"));
  }

  /** The pod's volume that {@code container} mounts where {@code file} is (and, if it lists items, holding it). */
  private static JsonNode volumeWith(JsonNode pod, JsonNode container, String file) {
    Path path = Path.of(file);
    for (JsonNode mount : container.get("volumeMounts")) {
      if (path.getParent().equals(Path.of(mount.get("mountPath").asText()))) {
        for (JsonNode volume : pod.get("volumes")) {
          if (volume.get("name").asText().equals(mount.get("name").asText())) {
            JsonNode items = volume.at("/secret/items");
            List<String> listed = new ArrayList<>();
            items.forEach(item -> listed.add(item.get("path").asText()));
            assertTrue(items.isMissingNode() || listed.contains(path.getFileName().toString()),
                file + " is not among the items of " + volume);
            return volume;
          }
        }
      }
    }
    throw new AssertionError("no volume mounted at " + path.getParent() + " in " + container.get("name"));
  }

  /** Volume name to mount path in the broker container. */
  private static Map<String, String> mountPaths() {
    Map<String, String> mounts = new HashMap<>();
    brokerContainer().get("volumeMounts").forEach(m -> mounts.put(m.get("name").asText(), m.get("mountPath").asText()));
    return mounts;
  }
}
