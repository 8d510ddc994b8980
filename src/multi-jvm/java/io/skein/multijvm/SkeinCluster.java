package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.skein.client.Admin;
import io.skein.client.SkeinException;
import io.skein.metrics.PrometheusText;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.testing.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * N broker JVMs forming one Akka cluster on loopback addresses 127.0.0.11, .12, ... with
 * broker ids 1..N, sharing a real PostgreSQL journal (embedded, in this JVM, on 127.0.0.1).
 */
final class SkeinCluster implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path baseDir;
  /** The Controller's journal; replaced when it is stopped and started again. */
  private EmbeddedPostgres postgres;
  private final List<BrokerProcess> brokers;
  /** Each broker's management endpoint (bootstrap, /metrics), by broker id - 1. */
  private final List<Integer> managementPorts;
  /** Each broker's Akka remoting port, by broker id - 1. */
  private final List<Integer> remotingPorts;

  private SkeinCluster(Path baseDir, EmbeddedPostgres postgres, List<BrokerProcess> brokers,
      List<Integer> managementPorts, List<Integer> remotingPorts) {
    this.baseDir = baseDir;
    this.postgres = postgres;
    this.brokers = brokers;
    this.managementPorts = managementPorts;
    this.remotingPorts = remotingPorts;
  }

  /**
   * Starts PostgreSQL and the brokers, all at once, and waits until all serve. They find each
   * other as users' brokers do (conf/cluster-node-*.conf): Cluster Bootstrap over each one's
   * management endpoint, a majority forming the cluster.
   */
  static SkeinCluster start(int size, Path baseDir, Map<String, String> settings, Duration timeout) throws Exception {
    return start(size, baseDir, id -> settings, timeout);
  }

  /** As {@link #start(int, Path, Map, Duration)}, with settings of each broker's own (its certificate). */
  static SkeinCluster start(int size, Path baseDir, IntFunction<Map<String, String>> settingsOf, Duration timeout)
      throws Exception {
    int pgPort = FreePorts.on("127.0.0.1");
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setPort(pgPort)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setDataDirectory(baseDir.resolve("postgres"))
        // Kept when the server stops, so that stopJournal/startJournal is an outage, not a loss.
        .setCleanDataDirectory(false)
        .start();
    List<Integer> managementPorts = new ArrayList<>();
    List<Integer> remotingPorts = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      managementPorts.add(FreePorts.on(host(id)));
      remotingPorts.add(FreePorts.on(host(id)));
    }
    List<BrokerProcess> brokers = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      List<String> options = new ArrayList<>(List.of(
          "-Dskein.broker.id=" + id,
          "-Dakka.remote.artery.canonical.hostname=" + host(id),
          "-Dakka.remote.artery.canonical.port=" + remotingPorts.get(id - 1),
          "-Dskein.cluster.bootstrap=on",
          "-Dakka.management.http.hostname=" + host(id),
          "-Dakka.management.http.port=" + managementPorts.get(id - 1),
          "-Dakka.management.cluster.bootstrap.contact-point-discovery.discovery-method=config",
          "-Dakka.management.cluster.bootstrap.contact-point-discovery.service-name=skein",
          "-Dakka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr=" + (size / 2 + 1),
          "-Dakka-persistence-jdbc.shared-databases.slick.profile=slick.jdbc.PostgresProfile$",
          "-Dakka-persistence-jdbc.shared-databases.slick.db.url=jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
          "-Dakka-persistence-jdbc.shared-databases.slick.db.user=postgres",
          "-Dakka-persistence-jdbc.shared-databases.slick.db.password=",
          "-Dakka-persistence-jdbc.shared-databases.slick.db.driver=org.postgresql.Driver"));
      for (int peer = 1; peer <= size; peer++) {
        String endpoint = "-Dakka.discovery.config.services.skein.endpoints." + (peer - 1);
        options.add(endpoint + ".host=" + host(peer));
        options.add(endpoint + ".port=" + managementPorts.get(peer - 1));
      }
      settingsOf.apply(id).forEach((key, value) -> options.add("-D" + key + "=" + value));
      brokers.add(new BrokerProcess(baseDir.resolve("broker-" + id), host(id), FreePorts.on(host(id)),
          options));
    }
    SkeinCluster cluster = new SkeinCluster(baseDir, postgres, brokers, managementPorts, remotingPorts);
    try {
      for (BrokerProcess broker : brokers) {
        broker.launch();
      }
      for (BrokerProcess broker : brokers) {
        broker.awaitReady(timeout);
      }
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  static String host(int brokerId) {
    return "127.0.0." + (10 + brokerId);
  }

  BrokerProcess broker(int id) {
    return brokers.get(id - 1);
  }

  int remotingPort(int id) {
    return remotingPorts.get(id - 1);
  }

  int managementPort(int id) {
    return managementPorts.get(id - 1);
  }

  /** Broker {@code id}'s Prometheus metrics, scraped now. */
  PrometheusText metrics(int id) {
    return PrometheusText.scrape(host(id), managementPorts.get(id - 1));
  }

  /** Broker {@code id}'s web console API at {@code path} (under /console/api) as JSON; empty unless it answers 200. */
  Optional<JsonNode> console(int id, String path) {
    try {
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://" + host(id) + ":" + managementPorts.get(id - 1) + "/console/api" + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() == 200 ? Optional.of(JSON.readTree(answer.body())) : Optional.empty();
    } catch (IOException notNow) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Whether broker {@code id} is a member that sees every member reachable, and is seen so by
   * all (Akka Management's /cluster/members lists each unreachable member with its observers).
   */
  boolean seesAllReachable(int id) {
    try {
      HttpResponse<String> members = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://" + host(id) + ":" + managementPorts.get(id - 1) + "/cluster/members"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return members.statusCode() == 200 && members.body().replace(" ", "").contains("\"unreachable\":[]");
    } catch (IOException notNow) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  List<Integer> ids() {
    List<Integer> ids = new ArrayList<>();
    for (int id = 1; id <= brokers.size(); id++) {
      ids.add(id);
    }
    return ids;
  }

  /** Creates a topic, retrying while not every broker has joined yet. */
  void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
    assertEventually("topic " + name + " created", Duration.ofSeconds(60), () -> {
      ManagedChannel channel = anyLive().channel();
      try {
        AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(replicationFactor).putAllConfigs(configs).build());
        return true;
      } catch (StatusRuntimeException notYet) {
        return false;
      } finally {
        channel.shutdownNow();
      }
    });
  }

  /** The partition's leader, replicas and ISR as the Controller has them, asked from a live broker. */
  Optional<PartitionMetadata> partition(String topic, int partition) {
    return partition(topic, partition, anyLive());
  }

  /** As {@link #partition(String, int)}, asked from {@code via}. */
  Optional<PartitionMetadata> partition(String topic, int partition, BrokerProcess via) {
    ManagedChannel channel = via.channel();
    try {
      var response = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .metadata(MetadataRequest.newBuilder().addTopics(topic).build());
      return Optional.of(response.getTopics(0).getPartitions(partition));
    } catch (StatusRuntimeException | IndexOutOfBoundsException e) {
      return Optional.empty();
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Waits until {@code via} no longer counts broker {@code id} as live: the cluster downed it (a
   * paused broker resumed after this has to start a new incarnation), or it left.
   */
  void awaitDowned(int id, BrokerProcess via) {
    assertEventually("broker " + id + " downed, as broker " + via.host + " sees it", Duration.ofSeconds(90), () -> {
      ManagedChannel channel = via.channel();
      try {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .metadata(MetadataRequest.getDefaultInstance()).getBrokersList().stream()
            .noneMatch(broker -> broker.getId() == id);
      } catch (StatusRuntimeException notNow) {
        return false;
      } finally {
        channel.shutdownNow();
      }
    });
  }

  /** Waits until every partition of {@code topic} has a leader and all its replicas in the ISR. */
  void awaitFullIsrs(String topic, int partitions, int replicas) {
    assertEventually("every partition of " + topic + " has a leader and a full ISR", Duration.ofSeconds(120), () -> {
      for (int p = 0; p < partitions; p++) {
        if (describe(topic, p).filter(d -> d.getLeader() > 0 && d.getIsrCount() == replicas).isEmpty()) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * The partition as the Admin client describes it (leader, ISR, log offsets), asked from a
   * live broker; empty while no broker can answer.
   */
  Optional<PartitionDescription> describe(String topic, int partition) {
    return describe(topic, partition, anyLive());
  }

  /** As {@link #describe(String, int)}, asked from {@code via}. */
  Optional<PartitionDescription> describe(String topic, int partition, BrokerProcess via) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap(via), "request.timeout.ms", 10_000))) {
      return Optional.of(admin.describeTopics(List.of(topic)).get(0).getPartitions(partition));
    } catch (SkeinException | IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  /** Every broker's copy of the partition, read from its data directory: stop the brokers first. */
  List<ReplicaChecker.ReplicaLog> replicaLogs(String topic, int partition) throws Exception {
    List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
    for (BrokerProcess broker : brokers) {
      replicas.add(ReplicaChecker.read(broker.dataDir.resolve("logs").resolve(topic + "-" + partition)));
    }
    return replicas;
  }

  static String bootstrap(BrokerProcess broker) {
    return broker.host + ":" + broker.port;
  }

  BrokerProcess anyLive() {
    return brokers.stream().filter(BrokerProcess::isAlive).findFirst()
        .orElseThrow(() -> new IllegalStateException("no broker is running"));
  }

  /** Stops the journal's PostgreSQL server, as an outage of the metadata store. */
  void stopJournal() throws IOException {
    postgres.close();
  }

  /** Starts the journal's server again, on its port and data directory, with everything it held. */
  void startJournal() throws IOException {
    postgres = EmbeddedPostgres.builder()
        .setPort(postgres.getPort())
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setDataDirectory(baseDir.resolve("postgres"))
        .setCleanDataDirectory(false)
        .start();
  }

  @Override
  public void close() throws Exception {
    for (BrokerProcess broker : brokers) {
      broker.close();
    }
    postgres.close();
  }
}
