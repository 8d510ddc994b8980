package io.skein.server.grpc;

import io.skein.metrics.NodeMetrics;
import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** grpc.health.v1.Health and server reflection, with plain grpc-java stubs. */
class HealthAndReflectionTest {

  static final List<String> SKEIN_SERVICES = List.of(AdminServiceGrpc.SERVICE_NAME, ProducerServiceGrpc.SERVICE_NAME,
      ConsumerServiceGrpc.SERVICE_NAME, GroupServiceGrpc.SERVICE_NAME);

  static ServingStatus check(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void healthIsNotServingUntilReadyAndAfterShutdownBegins() throws Exception {
    GrpcServer server = GrpcServer.bind("127.0.0.1", 0, 1 << 20, GrpcSecurity.PLAINTEXT, NodeMetrics.disabled().grpc());
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
      for (String service : SKEIN_SERVICES) {
        assertEquals(ServingStatus.NOT_SERVING, check(channel, service), service);
      }
      server.ready(true);
      assertEquals(ServingStatus.SERVING, check(channel, ""));
      server.stopping();
      assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
      server.ready(true);
      assertEquals(ServingStatus.NOT_SERVING, check(channel, ""), "a stopping server stays NOT_SERVING");
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  @Test
  void aBrokerIsServingOnceReadyAndWatchersSeeItStopServingOnShutdown() throws Exception {
    TestBroker broker = TestBroker.start(Map.of());
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", broker.node().grpcPort()).usePlaintext()
        .build();
    try {
      assertEventually("the broker reports SERVING", Duration.ofSeconds(30),
          () -> check(channel, "") == ServingStatus.SERVING);
      for (String service : SKEIN_SERVICES) {
        assertEquals(ServingStatus.SERVING, check(channel, service), service);
      }

      List<ServingStatus> watched = new CopyOnWriteArrayList<>();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(io.grpc.health.v1.HealthCheckResponse value) {
          watched.add(value.getStatus());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      assertEventually("the watch starts with SERVING", Duration.ofSeconds(10),
          () -> watched.contains(ServingStatus.SERVING));
      broker.close();
      assertEventually("the watch saw NOT_SERVING before the server stopped", Duration.ofSeconds(30),
          () -> watched.contains(ServingStatus.NOT_SERVING), watched::toString);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void reflectionListsSkeinsServices() throws Exception {
    try (TestBroker broker = TestBroker.start(Map.of())) {
      BlockingQueue<ServerReflectionResponse> answers = new LinkedBlockingQueue<>();
      StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(broker.channel())
          .serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
              answers.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      List<String> services = answers.poll(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
          .map(ServiceResponse::getName).toList();
      assertTrue(services.containsAll(SKEIN_SERVICES), services.toString());
      assertTrue(services.contains(HealthGrpc.SERVICE_NAME), services.toString());

      // Tools such as grpcurl then ask for the schema of a service.
      requests.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol(ProducerServiceGrpc.SERVICE_NAME)
          .build());
      ServerReflectionResponse schema = answers.poll(10, TimeUnit.SECONDS);
      assertTrue(schema.hasFileDescriptorResponse(), schema.toString());
      requests.onCompleted();
    }
  }
}
