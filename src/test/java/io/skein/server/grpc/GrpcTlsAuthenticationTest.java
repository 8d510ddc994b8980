package io.skein.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.skein.broker.Caller;
import io.skein.client.ChannelFactory;
import io.skein.client.HostPort;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC over TLS with Basic call credentials, through Skein's own {@link ChannelFactory}: good
 * credentials are served, missing or wrong ones get UNAUTHENTICATED, a verified client
 * certificate stands in for credentials, and a plaintext channel does not get through.
 */
class GrpcTlsAuthenticationTest {

  private static final TestCertificates CA = TestCertificates.authority("gRPC Test CA");
  private static Path dir;
  private static TestBroker broker;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-grpc-tls-");
    Map<String, Object> settings = new HashMap<>(CA.writeSecureGrpcSettings(dir));
    settings.put("skein.security.tls.trust", dir.resolve("ca.pem").toString());
    settings.put("skein.security.tls.client-auth", "requested");
    TestCertificates.writePem(CA.client("CN=reporting,O=Example"), dir.resolve("client.pem"), dir.resolve("client.key"));
    broker = TestBroker.start(settings);
    broker.node().broker().topics().createTopic(Caller.BROKER, "over-tls", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private AdminServiceGrpc.AdminServiceBlockingStub admin(ChannelFactory factory) {
    ManagedChannel channel = factory.open(new HostPort("127.0.0.1", broker.node().grpcPort()));
    channels.add(channel);
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private AdminServiceGrpc.AdminServiceBlockingStub overTls(Optional<String> user, String password) {
    return admin(ChannelFactory.secured(Optional.of(dir.resolve("ca.pem")), user, password));
  }

  @Test
  void goodCredentialsOverTlsAreServed() {
    assertTrue(overTls(Optional.of("alice"), "alice-secret").listTopics(ListTopicsRequest.getDefaultInstance())
        .getNamesList().contains("over-tls"));
  }

  @Test
  void missingOrWrongCredentialsAreUnauthenticated() {
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
        () -> overTls(Optional.empty(), "").listTopics(ListTopicsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
    assertTrue(missing.getStatus().getDescription().contains("no credentials"), missing.getStatus().toString());

    StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
        () -> overTls(Optional.of("alice"), "not-alice-secret").listTopics(ListTopicsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
    assertTrue(wrong.getStatus().getDescription().contains("invalid credentials"), wrong.getStatus().toString());

    assertTrue(overTls(Optional.of("alice"), "alice-secret").listTopics(ListTopicsRequest.getDefaultInstance())
        .getNamesList().contains("over-tls"), "the broker serves good credentials after bad ones");
  }

  @Test
  void aClientCertificateAuthenticatesWithoutCredentials() throws Exception {
    ChannelCredentials withCertificate = TlsChannelCredentials.newBuilder()
        .trustManager(dir.resolve("ca.pem").toFile())
        .keyManager(dir.resolve("client.pem").toFile(), dir.resolve("client.key").toFile())
        .build();
    assertTrue(admin(address -> Grpc.newChannelBuilderForAddress(address.host(), address.port(), withCertificate)
            .build())
        .listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("over-tls"));
  }

  @Test
  void aPlaintextChannelDoesNotGetThrough() {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> admin(ChannelFactory.secured(Optional.empty(), Optional.of("alice"), "alice-secret"))
            .listTopics(ListTopicsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
  }
}
