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
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
      "SKEIN_JOURNAL_USER", "skein", "SKEIN_JOURNAL_PASSWORD", "secret");

  private static JsonNode kustomization;
  private static final Map<String, JsonNode> byKindAndName = new HashMap<>();
  /** The ConfigMap's skein.conf loaded as a pod would, over the embedded defaults. */
  private static Config brokerConfig;

  @BeforeAll
  static void readManifests() throws IOException {
    kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
    for (JsonNode resource : kustomization.get("resources")) {
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class)
          .readValues(K8S.resolve(resource.asText()).toFile())) {
        while (docs.hasNext()) {
          JsonNode doc = docs.next();
          if (doc != null && !doc.isEmpty()) {
            String key = doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText();
            assertTrue(byKindAndName.put(key, doc) == null, "defined twice: " + key);
          }
        }
      }
    }
    brokerConfig = podConfig();
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
    });
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
    // Every secret the brokers and the database read exists with that key.
    JsonNode secretKeys = resource("Secret/skein-postgres").get("stringData");
    List<JsonNode> envs = new ArrayList<>();
    brokerContainer().get("env").forEach(envs::add);
    postgres.at("/spec/template/spec/containers/0/env").forEach(envs::add);
    for (JsonNode env : envs) {
      JsonNode ref = env.at("/valueFrom/secretKeyRef");
      if (!ref.isMissingNode()) {
        assertEquals("skein-postgres", ref.get("name").asText());
        assertTrue(secretKeys.has(ref.get("key").asText()), env.toString());
      }
    }
  }

  /** Volume name to mount path in the broker container. */
  private static Map<String, String> mountPaths() {
    Map<String, String> mounts = new HashMap<>();
    brokerContainer().get("volumeMounts").forEach(m -> mounts.put(m.get("name").asText(), m.get("mountPath").asText()));
    return mounts;
  }
}
