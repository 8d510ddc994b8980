package io.skein.node;

import akka.Done;
import akka.actor.BootstrapSetup;
import akka.actor.CoordinatedShutdown;
import akka.actor.setup.ActorSystemSetup;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.skein.broker.Broker;
import io.skein.cluster.BrokerRoles;
import io.skein.cluster.Controller;
import io.skein.cluster.ControllerRouter;
import io.skein.cluster.ControllerSettings;
import io.skein.cluster.ControllerStandby;
import io.skein.cluster.CrashProbe;
import io.skein.cluster.LeaderLocations;
import io.skein.cluster.LiveBrokers;
import io.skein.common.AkkaFutures;
import io.skein.console.ConsoleBroker;
import io.skein.console.ConsoleSetup;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupSettings;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.Topic;
import io.skein.metrics.MetricsSetup;
import io.skein.metrics.NodeMetrics;
import io.skein.metrics.PartitionMetrics;
import io.skein.partition.LeaderShardHomes;
import io.skein.partition.PartitionLeader;
import io.skein.partition.UndeliveredRequests;
import io.skein.partition.PartitionUpdates;
import io.skein.partition.LocalLeaderLogs;
import io.skein.partition.LocalLogCleaner;
import io.skein.partition.ReplicaManager;
import io.skein.partition.ReplicationConfig;
import io.skein.security.AclStore;
import io.skein.security.Acls;
import io.skein.security.AuthorizerSettings;
import io.skein.security.QuotaStore;
import io.skein.security.Quotas;
import io.skein.security.UserStore;
import io.skein.security.quota.QuotaSensors;
import io.skein.security.quota.QuotaSettings;
import io.skein.server.grpc.GrpcServer;
import io.skein.server.kafka.KafkaApiHandlers;
import io.skein.server.kafka.KafkaApis;
import io.skein.server.kafka.KafkaListener;
import io.skein.server.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Skein broker: an Akka cluster node running the Controller singleton (where it is the
 * oldest node), the partition leaders Cluster Sharding places on it, and the gRPC endpoint.
 */
public final class SkeinNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SkeinNode.class);
  /** How often a broker still waiting to join a cluster says so. */
  private static final Duration MEMBERSHIP_WAIT_LOG_INTERVAL = Duration.ofSeconds(10);
  /** How often the gRPC health service takes over the readiness of {@code /ready}. */
  private static final Duration HEALTH_REFRESH = Duration.ofSeconds(1);
  /** How often the cluster health gauges are recomputed. */
  private static final Duration CLUSTER_HEALTH_REFRESH = Duration.ofSeconds(5);
  private static final String REMOTING_PORT = "akka.remote.artery.canonical.port";

  private final ActorSystem<SpawnProtocol.Command> system;
  private final BrokerConfig config;
  private final Broker broker;
  private final GrpcServer grpc;
  private final Optional<KafkaListener> kafka;

  private SkeinNode(ActorSystem<SpawnProtocol.Command> system, BrokerConfig config, Broker broker, GrpcServer grpc,
      Optional<KafkaListener> kafka) {
    this.system = system;
    this.config = config;
    this.broker = broker;
    this.grpc = grpc;
    this.kafka = kafka;
  }

  /**
   * The configuration a broker runs with: {@code overrides} (from flags) over {@code file}
   * over the embedded defaults, with -D system properties over all and Akka's reference
   * settings under all.
   */
  public static Config loadConfig(Optional<Path> file, Map<String, Object> overrides) {
    // Absolute: a file named without a directory would otherwise look up its includes on the class path.
    Config fromFile = file
        .map(f -> ConfigFactory.parseFile(f.toAbsolutePath().toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false)))
        .orElse(ConfigFactory.empty());
    Config layers = ConfigFactory.parseMap(overrides)
        .withFallback(fromFile)
        .withFallback(ConfigFactory.parseResources(SkeinNode.class.getClassLoader(), "skein-defaults.conf"));
    Config loaded = ConfigFactory.load(layers);
    // H2 and log paths must not depend on the working directory of whoever resolves them.
    String dataDir = Path.of(loaded.getString("skein.data-dir")).toAbsolutePath().normalize().toString();
    Map<String, Object> absolute = new HashMap<>(overrides);
    absolute.put("skein.data-dir", dataDir);
    if (loaded.getBoolean("skein.broker.id-from-hostname")) {
      absolute.put("skein.broker.id", PodOrdinal.brokerIdOf(loaded.getString("skein.broker.hostname")));
    }
    // A single node talks to no other node, so a fixed remoting port would only keep a second
    // broker on the same machine from starting. Nodes of a cluster keep theirs: seed lists name it.
    boolean singleNode = loaded.getList("akka.cluster.seed-nodes").isEmpty()
        && !loaded.getBoolean("skein.cluster.bootstrap");
    if (singleNode && !layers.hasPath(REMOTING_PORT) && !ConfigFactory.systemProperties().hasPath(REMOTING_PORT)) {
      absolute.put(REMOTING_PORT, 0);
    }
    return ConfigFactory.load(ConfigFactory.parseMap(absolute).withFallback(layers));
  }

  /** Starts a broker and returns once its partitions are open and gRPC serves. */
  public static SkeinNode start(Config loaded) throws IOException {
    BrokerConfig config = BrokerConfig.from(loaded);
    Config remotingTls = RemotingTls.akkaConfig(loaded);
    Config journalTls = JournalTls.akkaConfig(loaded);
    Files.createDirectories(config.dataDir());
    // Checked now, so that a broker started on another broker's data fails before it joins anything.
    Optional<String> proposedClusterId = NodeIdentity.proposal(config.dataDir(), config.brokerId());
    NodeMetrics metrics = NodeMetrics.from(loaded);
    ListenerSecurity security = ListenerSecurity.from(loaded);
    GrpcServer grpc;
    KafkaSettings kafkaSettings;
    Optional<KafkaListener> kafka;
    try {
      grpc = bindGrpc(config, security, metrics);
      kafkaSettings = KafkaSettings.from(loaded);
      kafka = bindKafka(kafkaSettings, security, grpc, metrics);
    } catch (IOException | RuntimeException e) {
      metrics.close();
      security.close();
      throw e;
    }
    int port = grpc.port();
    config = config.withGrpcPort(port);
    // Clients reach the broker at its advertised host (a pod's DNS name), not at the bind address.
    String advertisedHost = loaded.getString("skein.grpc.advertised-host").isEmpty()
        ? config.grpcHost() : loaded.getString("skein.grpc.advertised-host");
    BrokerAddress self = new BrokerAddress(config.brokerId(), advertisedHost, port, config.rack());
    int brokerId = config.brokerId();
    String rack = config.rack();
    Optional<BrokerAddress> kafkaSelf = kafka.map(listener -> new BrokerAddress(brokerId,
        kafkaSettings.advertisedHostOr(kafkaSettings.host()), kafkaSettings.advertisedPortOr(listener.port()), rack));
    Config withRoles = ConfigFactory.parseMap(Map.of(
            "akka.cluster.roles", BrokerRoles.of(self, kafkaSelf),
            "skein.grpc.port", port))
        .withFallback(remotingTls)
        .withFallback(journalTls)
        .withFallback(loaded);

    ActorSystem<SpawnProtocol.Command> system;
    try {
      PortInUseException.checkFree("Akka remoting", withRoles.getString("akka.remote.artery.canonical.hostname"),
          withRoles.getInt(REMOTING_PORT), REMOTING_PORT + " (-D" + REMOTING_PORT + "=N)");
      system = ActorSystem.create(SpawnProtocol.create(), "skein",
          ActorSystemSetup.create(BootstrapSetup.create(withRoles), new MetricsSetup(metrics),
          new ConsoleSetup(security.consoleUsers())));
    } catch (IOException | RuntimeException e) {
      grpc.close();
      kafka.ifPresent(KafkaListener::close);
      metrics.close();
      security.close();
      throw e;
    }
    system.getWhenTerminated().thenRun(metrics::close);
    system.getWhenTerminated().thenRun(security::close);
    // However this incarnation ends (downed halfway through its start, before the shutdown tasks
    // that close them are added, included), its listeners let go of their ports: else the next
    // incarnation could never bind them (seen: FaultScheduleIT, a broker frozen while starting).
    system.getWhenTerminated().thenRun(() -> {
      grpc.close();
      kafka.ifPresent(KafkaListener::close);
    });
    try {
      Cluster cluster = Cluster.get(system);
      NodeManagement.start(system, withRoles, security.management());
      if (withRoles.getList("akka.cluster.seed-nodes").isEmpty()
          && !withRoles.getBoolean("skein.cluster.bootstrap")) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      awaitMembership(system, withRoles);
      CrashProbe.Settings crashProbe = CrashProbe.Settings.from(withRoles);
      if (crashProbe.enabled()) {
        system.systemActorOf(CrashProbe.create(crashProbe), "crash-probe", akka.actor.typed.Props.empty());
      }
      Instant deadline = Instant.now().plus(config.startupTimeout());
      await(SchemaUtils.createIfNotExists(system).toCompletableFuture(), deadline, "creating the journal schema");
      ControllerSettings controllerSettings =
          new ControllerSettings(config.topicDefaults(), ReplicationConfig.largestReplicatedBatch(withRoles));
      PartitionUpdates partitionUpdates = new PartitionUpdates(system);
      ControllerRouter.Route route =
          new ControllerRouter.Route(Controller.initSingleton(system, controllerSettings, partitionUpdates));
      system.systemActorOf(ControllerStandby.create(controllerSettings, partitionUpdates, route), "controller-standby",
          akka.actor.typed.Props.empty());
      ActorRef<Controller.Command> controller =
          system.systemActorOf(ControllerRouter.create(route), "controller-router", akka.actor.typed.Props.empty());
      String clusterId = clusterId(system, controller, config, proposedClusterId, deadline);
      // Before any log opens: leaders and followers register their logs with it.
      config.logCleaner().ifPresent(settings -> LocalLogCleaner.get(system).start(system, settings));
      ActorRef<ReplicaManager.Command> replicaManager = system.systemActorOf(
          ReplicaManager.create(config.partitionSettings(), ReplicationConfig.from(withRoles), controller), "replica-manager",
          akka.actor.typed.Props.empty());
      system.systemActorOf(UndeliveredRequests.create(), "undelivered-requests", akka.actor.typed.Props.empty());
      PartitionLeader.initSharding(system, config.partitionSettings(), controller, replicaManager);
      system.systemActorOf(LeaderShardHomes.create(config.brokerId()), "leader-shard-homes",
          akka.actor.typed.Props.empty());
      GroupCoordinator.initSharding(system, GroupSettings.from(withRoles), controller);
      // From here on this broker may lead partitions: a SIGTERM from now on hands them over first
      // (seen: a broker stopped while its Kafka listener was still starting left without it).
      ControlledShutdown.install(system, config, controller, grpc);
      openPartitions(system, controller, config, deadline);
      Quotas quotas = new Quotas();
      Acls acls = new Acls();
      Stores stores = loadStores(system, security, quotas, acls, config, deadline);
      AuthorizerSettings authorizer = AuthorizerSettings.from(withRoles);
      Broker broker = Broker.create(system, controller, stores.users(), security.users(), stores.quotas(), quotas,
          stores.acls(), acls, authorizer, config.requestSettings(), clusterId, config.brokerId());
      LOG.info("Authorization: {}", authorizer.describe());
      // One set of sensors for both listeners: a client's use of either counts against the same quotas.
      QuotaSensors quotaSensors = new QuotaSensors(broker.quotas().copy()::configs, QuotaSettings.from(withRoles));
      grpc.serve(broker, quotaSensors);
      kafka.ifPresent(listener -> serveKafka(system, listener, broker, quotaSensors));
      ConsoleBroker.get(system).serve(broker, config.brokerId());
      BrokerReadiness.get(system).serving(config.brokerId());
      system.scheduler().scheduleAtFixedRate(Duration.ZERO, HEALTH_REFRESH,
          () -> grpc.ready(BrokerReadinessCheck.isReady(system)), system.executionContext());
      if (metrics.enabled()) {
        refreshClusterHealth(system, metrics, config);
        GroupHealthRefresh.start(system, broker.groups(), metrics.groups());
      }
      LOG.info("Skein broker {} of cluster {} serving gRPC on {}:{} ({}), data in {}",
          config.brokerId(), clusterId, config.grpcHost(), port, security.grpc().describe(), config.dataDir());
      return new SkeinNode(system, config, broker, grpc, kafka);
    } catch (IOException | RuntimeException e) {
      grpc.close();
      kafka.ifPresent(KafkaListener::close);
      system.terminate();
      throw e;
    }
  }

  /**
   * Recomputes the cluster health and per-partition gauges every {@link #CLUSTER_HEALTH_REFRESH},
   * off the scrape, and meters the log cleaner.
   */
  private static void refreshClusterHealth(ActorSystem<?> system, NodeMetrics metrics, BrokerConfig config) {
    LeaderLocations leaders = LeaderLocations.get(system);
    LocalLeaderLogs leaderLogs = LocalLeaderLogs.get(system);
    Cluster cluster = Cluster.get(system);
    int minIsr = config.topicDefaults().minInsyncReplicas();
    system.scheduler().scheduleAtFixedRate(Duration.ZERO, CLUSTER_HEALTH_REFRESH, () -> {
      metrics.cluster().update(config.brokerId(), leaders.assignments().map(Map::values).orElse(List.of()),
          LiveBrokers.members(cluster), minIsr);
      metrics.cluster().controllerSeen(ControllerStandby.controllerReachable(cluster));
      metrics.partitions().ifPresent(partitions -> partitions.update(partitionsLed(leaderLogs)));
    }, system.executionContext());
    LocalLogCleaner cleaner = LocalLogCleaner.get(system);
    metrics.storage().cleaner(cleaner::progress, cleaner::maxDirtyRatio);
  }

  private static List<PartitionMetrics.Partition> partitionsLed(LocalLeaderLogs logs) {
    List<PartitionMetrics.Partition> led = new ArrayList<>();
    logs.forEachLog((key, log) -> led.add(new PartitionMetrics.Partition(key.topic(), key.partition(),
        log.sizeInBytes(), log.logStartOffset(), log.logEndOffset(), log.highWatermark())));
    return led;
  }

  /** The gRPC endpoint, bound but not serving yet. */
  private static GrpcServer bindGrpc(BrokerConfig config, ListenerSecurity security, NodeMetrics metrics)
      throws IOException {
    try {
      return GrpcServer.bind(config.grpcHost(), config.grpcPort(), config.maxInboundMessageBytes(), security.grpc(),
          metrics.grpc());
    } catch (IOException e) {
      throw PortInUseException.explain(e, "gRPC", config.grpcHost(), config.grpcPort(), "--port (skein.grpc.port)");
    }
  }

  /** The Kafka listener, bound but not serving yet, if enabled. */
  private static Optional<KafkaListener> bindKafka(KafkaSettings settings, ListenerSecurity security, GrpcServer grpc,
      NodeMetrics metrics)
      throws IOException {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    try {
      return Optional.of(KafkaListener.bind(settings, security.kafka(), metrics.kafka()));
    } catch (IOException e) {
      grpc.close();
      throw PortInUseException.explain(e, "Kafka", settings.host(), settings.port(), "--kafka-port (skein.kafka.port)");
    }
  }

  /** Serves the Kafka APIs; the listener stops last, with gRPC (see {@link ControlledShutdown}). */
  private static void serveKafka(ActorSystem<?> system, KafkaListener kafka, Broker broker,
      QuotaSensors quotaSensors) {
    kafka.serve(KafkaApiHandlers.of(KafkaApis.handlers(system, broker)), quotaSensors);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "stop-kafka-listener", () -> {
          kafka.close();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  /**
   * The cluster's id, from the Controller (which adopts {@code proposed}, an upgraded broker's
   * own id, if the cluster has none yet), once the data directory records it. A data
   * directory of another cluster stops the start-up here, before the broker hosts anything.
   */
  private static String clusterId(ActorSystem<?> system, ActorRef<Controller.Command> controller,
      BrokerConfig config, Optional<String> proposed, Instant deadline) throws IOException {
    String clusterId = SkeinNode.<Controller.ClusterId>askController(system, controller,
        replyTo -> new Controller.GetClusterId(proposed.orElse(null), replyTo), config, deadline).id();
    NodeIdentity.reconcile(config.dataDir(), config.brokerId(), clusterId);
    return clusterId;
  }

  /** The cluster's stores of users, client quotas and ACLs (singletons). */
  private record Stores(ActorRef<UserStore.Command> users, ActorRef<QuotaStore.Command> quotas,
      ActorRef<AclStore.Command> acls) {}

  /**
   * Fills this node's copies of the cluster's users (the configured ones seeded into the user
   * store first), client quotas and ACLs before anything is served, so that no login fails for a
   * user the cluster has, every quota holds at once and no request is decided without the ACLs.
   * The three load together: each waits for its singleton to start and recover.
   */
  private static Stores loadStores(ActorSystem<?> system, ListenerSecurity security, Quotas quotas, Acls acls,
      BrokerConfig config, Instant deadline) {
    system.systemActorOf(UserStore.localCopy(security.users()), "local-users", akka.actor.typed.Props.empty());
    system.systemActorOf(QuotaStore.localCopy(quotas), "local-quotas", akka.actor.typed.Props.empty());
    system.systemActorOf(AclStore.localCopy(acls), "local-acls", akka.actor.typed.Props.empty());
    Stores stores = new Stores(UserStore.initSingleton(system), QuotaStore.initSingleton(system),
        AclStore.initSingleton(system));
    CompletableFuture<Void> users = SkeinNode.<UserStore.Command, UserStore.Version>askRetrying(system, stores.users(),
            replyTo -> new UserStore.Seed(security.configuredUsers(), replyTo), config, deadline, "the user store")
        .thenCompose(version -> security.users().whenAt(version.version()));
    CompletableFuture<Void> quotaCopy = SkeinNode.<QuotaStore.Command, QuotaStore.Version>askRetrying(system,
            stores.quotas(), QuotaStore.GetVersion::new, config, deadline, "the quota store")
        .thenCompose(version -> quotas.whenAt(version.version()));
    CompletableFuture<Void> aclCopy = SkeinNode.<AclStore.Command, AclStore.Version>askRetrying(system,
            stores.acls(), AclStore.GetVersion::new, config, deadline, "the ACL store")
        .thenCompose(version -> acls.whenAt(version.version()));
    await(CompletableFuture.allOf(users, quotaCopy, aclCopy), deadline, "loading the cluster's users, quotas and ACLs");
    security.checkUsers();
    return stores;
  }

  /** Asks the Controller, again while it is not up yet (it may be starting or recovering), until the deadline. */
  private static <T> T askController(ActorSystem<?> system, ActorRef<Controller.Command> controller,
      Function<ActorRef<T>, Controller.Command> request, BrokerConfig config, Instant deadline) {
    return askUntil(system, controller, request, config, deadline, "the controller");
  }

  /** Asks {@code target}, again while it does not answer (it may be starting or recovering), until the deadline. */
  private static <C, T> T askUntil(ActorSystem<?> system, ActorRef<C> target, Function<ActorRef<T>, C> request,
      BrokerConfig config, Instant deadline, String what) {
    try {
      return askRetrying(system, target, request, config, deadline, what).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IllegalStateException failed ? failed : new IllegalStateException(e.getCause());
    }
  }

  /** {@link #askUntil} without blocking: each ask left unanswered is sent again, until the deadline. */
  private static <C, T> CompletableFuture<T> askRetrying(ActorSystem<?> system, ActorRef<C> target,
      Function<ActorRef<T>, C> request, BrokerConfig config, Instant deadline, String what) {
    return AkkaFutures.direct(AskPattern.<C, T>ask(target, request::apply, Duration.ofSeconds(5), system.scheduler()))
        .exceptionallyCompose(notYet -> {
          if (Instant.now().isAfter(deadline)) {
            return CompletableFuture.failedFuture(
                new IllegalStateException(what + " did not start within " + config.startupTimeout(), notYet));
          }
          LOG.info("Waiting for {}: {}", what, notYet.toString());
          return askRetrying(system, target, request, config, deadline, what);
        });
  }

  /**
   * Opens (and so recovers) every partition log before clients are served, like Kafka's
   * log loading at start-up: a torn tail is found and truncated now, not at first use.
   */
  private static void openPartitions(
      ActorSystem<?> system, ActorRef<Controller.Command> controller, BrokerConfig config, Instant deadline) {
    Controller.Topics topics = askController(system, controller, Controller.GetTopics::new, config, deadline);
    ClusterSharding sharding = ClusterSharding.get(system);
    List<CompletableFuture<PartitionLeader.Opened>> opening = new ArrayList<>();
    for (Topic topic : topics.byName().values()) {
      for (PartitionKey key : topic.partitionKeys()) {
        // Logs this broker follows are opened by their followers (see ReplicaManager).
        if (topic.partitions().get(key.partition()).leader() == config.brokerId()) {
          opening.add(PartitionLeader.on(sharding, key, config.brokerId())
              .<PartitionLeader.Opened>ask(replyTo -> new PartitionLeader.Open(topic, replyTo),
                  Duration.between(Instant.now(), deadline))
              .toCompletableFuture());
        }
      }
    }
    await(CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)), deadline, "opening partition logs");
    for (CompletableFuture<PartitionLeader.Opened> opened : opening) {
      if (opened.join().failure() != null) {
        LOG.error("Partition {} did not open: {}", opened.join().key(), opened.join().failure().message());
      }
    }
    LOG.info("Opened {} partition log(s)", opening.size());
  }

  /**
   * Waits, as long as it takes, until this broker is an Up member of a cluster: after an outage
   * its peers may start much later, and the cluster forms only once a majority is there. Ends
   * with the actor system (a SIGTERM meanwhile).
   */
  private static void awaitMembership(ActorSystem<?> system, Config config) {
    CompletableFuture<Done> up = new CompletableFuture<>();
    akka.cluster.Cluster.get(system.classicSystem()).registerOnMemberUp(() -> up.complete(Done.getInstance()));
    system.getWhenTerminated().thenRun(() ->
        up.completeExceptionally(new IllegalStateException("stopped before it joined a cluster")));
    String waitingFor = config.getBoolean("skein.cluster.bootstrap")
        ? "a cluster to join, or a majority of the brokers ("
            + config.getInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr")
            + ") to form one"
        : "a seed node to let it join " + config.getStringList("akka.cluster.seed-nodes");
    while (true) {
      try {
        up.get(MEMBERSHIP_WAIT_LOG_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException notYet) {
        LOG.info("Waiting for {}", waitingFor);
      } catch (ExecutionException e) {
        throw new IllegalStateException("start-up failed while joining the cluster: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      }
    }
  }

  private static <T> T await(CompletableFuture<T> future, Instant deadline, String what) {
    try {
      return future.get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("start-up failed while " + what + ": " + e, e);
    }
  }

  public ActorSystem<SpawnProtocol.Command> system() {
    return system;
  }

  public BrokerConfig config() {
    return config;
  }

  /** The request layer every listener of this broker serves from. */
  public Broker broker() {
    return broker;
  }

  public GrpcServer grpc() {
    return grpc;
  }

  public int grpcPort() {
    return grpc.port();
  }

  /** The port the Kafka listener bound; fails if {@code skein.kafka.enabled} is off. */
  public int kafkaPort() {
    return kafka.orElseThrow(() -> new IllegalStateException("the Kafka listener is not enabled")).port();
  }

  /** Why the node shut down, once it has begun to; empty while it runs. */
  public Optional<CoordinatedShutdown.Reason> shutdownReason() {
    return CoordinatedShutdown.get(system).getShutdownReason();
  }

  /** Completes when the node has shut down. */
  public java.util.concurrent.CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  /** Controlled shutdown: stop serving, close logs cleanly, leave the cluster. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Broker shutdown did not complete in time: {}", e.toString());
    }
  }
}
