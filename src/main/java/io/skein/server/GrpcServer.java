package io.skein.server;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.skein.cluster.Controller;
import io.skein.node.BrokerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The client-facing gRPC endpoint of one broker. */
public final class GrpcServer implements AutoCloseable {

  private final Server server;
  private final ConsumerGrpcService consumer;

  private GrpcServer(Server server, ConsumerGrpcService consumer) {
    this.server = server;
    this.consumer = consumer;
  }

  /** Binds and starts serving; fails if the address is taken. */
  public static GrpcServer start(
      ActorSystem<?> system, ActorRef<Controller.Command> controller, BrokerConfig config, String clusterId)
      throws IOException {
    PartitionRouter router = new PartitionRouter(system);
    ConsumerGrpcService consumer = new ConsumerGrpcService(router, config);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcHost(), config.grpcPort()))
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        .addService(new AdminGrpcService(system, controller, config, clusterId))
        .addService(new ProducerGrpcService(router, config, system))
        .addService(consumer)
        .addService(io.grpc.ServerInterceptors.intercept(
            new GroupGrpcService(system, controller, config), GroupGrpcService.peerInterceptor()))
        .build()
        .start();
    return new GrpcServer(server, consumer);
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
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
