package io.skein.server.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.skein.broker.Broker;
import io.skein.metrics.RequestMetrics;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.security.ServerTls;
import io.skein.security.quota.QuotaSensors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The client-facing gRPC endpoint of one broker. */
public final class GrpcServer implements AutoCloseable {

  /** The services the health service reports on, besides "" (the whole server). */
  private static final List<String> HEALTH_SERVICES = List.of(AdminServiceGrpc.SERVICE_NAME,
      ProducerServiceGrpc.SERVICE_NAME, ConsumerServiceGrpc.SERVICE_NAME, GroupServiceGrpc.SERVICE_NAME);

  private final Server server;

  private final StartupGate gate;
  private final HealthStatusManager health;
  private final MalformedRequests malformed;
  private final GrpcRequestMetrics requestMetrics;
  private final Optional<CallAuthentication> authentication;
  private volatile ConsumerGrpcService consumer;
  private volatile GrpcQuotas quotas;

  private GrpcServer(Server server, StartupGate gate, HealthStatusManager health, MalformedRequests malformed,
      GrpcRequestMetrics requestMetrics, Optional<CallAuthentication> authentication) {
    this.server = server;
    this.gate = gate;
    this.health = health;
    this.malformed = malformed;
    this.requestMetrics = requestMetrics;
    this.authentication = authentication;
  }

  /**
   * Binds the client endpoint (port 0 picks a free one) and answers every call with a
   * retriable "starting" error until {@link #serve} opens it. The health service (NOT_SERVING
   * until {@link #ready} says otherwise) and server reflection answer from the start, without
   * authentication (they tell nothing of the data); with {@code security}'s users or bearer
   * tokens every Skein call authenticates.
   */
  public static GrpcServer bind(String host, int port, int maxInboundMessageBytes, GrpcSecurity security,
      RequestMetrics metrics)
      throws IOException {
    StartupGate gate = new StartupGate();
    GrpcRequestMetrics requestMetrics = new GrpcRequestMetrics(metrics);
    HealthStatusManager health = new HealthStatusManager();
    MalformedRequests malformed = new MalformedRequests(maxInboundMessageBytes);
    ServerCredentials credentials = security.tls().map(GrpcServer::tlsCredentials)
        .orElseGet(InsecureServerCredentials::create);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
        .maxInboundMessageSize(malformed.transportLimit())
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .fallbackHandlerRegistry(gate)
        .callExecutor(GrpcServer::produceOnTransportThread)
        .addTransportFilter(requestMetrics.connections())
        .build();
    malformed.takeOverOversizeLog();
    GrpcServer grpc = new GrpcServer(server, gate, health, malformed, requestMetrics,
        security.authenticatesCalls()
            ? Optional.of(new CallAuthentication(security.users(), security.bearerTokens())) : Optional.empty());
    grpc.ready(false);
    server.start();
    return grpc;
  }

  private static ServerCredentials tlsCredentials(ServerTls tls) {
    TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder()
        .keyManager(tls.keyManager())
        .clientAuth(switch (tls.clientAuth()) {
          case NONE -> TlsServerCredentials.ClientAuth.NONE;
          case REQUESTED -> TlsServerCredentials.ClientAuth.OPTIONAL;
          case REQUIRED -> TlsServerCredentials.ClientAuth.REQUIRE;
        });
    tls.trustManager().ifPresent(builder::trustManager);
    return builder.build();
  }

  /** What the health service answers for the whole server and each Skein service. */
  public void ready(boolean ready) {
    ServingStatus status = ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    HEALTH_SERVICES.forEach(service -> health.setStatus(service, status));
  }

  /** The broker is shutting down: NOT_SERVING from now on, whatever {@link #ready} is told. */
  public void stopping() {
    health.enterTerminalState();
  }

  /**
   * Produce calls run on the Netty thread that read them: each request only checks its
   * fields, copies its records into a pooled buffer and sends one message to the leader,
   * none of which blocks. Handing it to the application executor first would cost a
   * thread switch per request, a large share of a broker's produce CPU on few cores.
   * Every other call (reads of the log, admin work that waits) keeps the executor.
   */
  private static <ReqT, RespT> Executor produceOnTransportThread(ServerCall<ReqT, RespT> call, Metadata headers) {
    return ProducerServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())
        ? Runnable::run
        : null;
  }

  /** Starts serving the API, holding clients to the quotas {@code quotaSensors} measure (no quotas: none). */
  public void serve(Broker broker, QuotaSensors quotaSensors) {
    quotas = new GrpcQuotas(quotaSensors);
    consumer = new ConsumerGrpcService(broker.partitions(), quotas);
    gate.open(Stream.of(
            new AdminGrpcService(broker.topics(), broker.users(), broker.quotas(), broker.acls()).bindService(),
            new ProducerGrpcService(broker.partitions(), broker.producerIds(), quotas).bindService(),
            consumer.bindService(),
            ServerInterceptors.intercept(new GroupGrpcService(broker.groups(), broker::groupConsumer, quotas),
                GroupGrpcService.peerInterceptor()))
        .map(malformed::guard)
        // Inside the caller's context, which names whom the time counts for.
        .map(service -> ServerInterceptors.intercept(service, new RequestTimeQuota(quotas)))
        // Inside authentication, so that it sees the principal.
        .map(service -> ServerInterceptors.intercept(service, new CallerContext()))
        .map(service -> authentication.map(auth -> ServerInterceptors.intercept(service, auth)).orElse(service))
        // Outermost, so that calls refused for their credentials are counted too.
        .map(service -> ServerInterceptors.intercept(service, requestMetrics))
        .toList());
  }

  /** The bound port (useful when the configured port is 0). */
  public int port() {
    return server.getPort();
  }

  /** Live Subscribe streams with what each has sent and whether it waits for its client. */
  public List<SubscribeStream.Snapshot> subscriptions() {
    return consumer.subscriptions();
  }

  /** Stops accepting calls, lets running calls finish briefly, then cancels the rest. */
  @Override
  public void close() {
    server.shutdown();
    try {
      // A second for unary calls in flight; streams (subscriptions, group sessions) never end by
      // themselves, and their clients reconnect elsewhere once cancelled.
      if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      if (quotas != null) {
        quotas.close();
      }
    }
  }
}
