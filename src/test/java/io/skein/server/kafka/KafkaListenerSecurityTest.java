package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metrics.NodeMetrics;
import io.skein.security.ClientAuth;
import io.skein.security.SaslAuthenticator;
import io.skein.security.ServerTls;
import io.skein.security.TestCertificates;
import io.skein.security.TlsSettings;
import io.skein.security.UserCredentials;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's security on the wire: SASL's handshake and exchange with Kafka's errors, nothing
 * but ApiVersions served before authentication, and the principal handlers see (the SASL user, or
 * a client certificate's DN).
 */
class KafkaListenerSecurityTest {

  private static final SaslAuthenticator SASL = new SaslAuthenticator(List.of("SCRAM-SHA-512", "PLAIN"),
      UserCredentials.of(Map.of("alice", "alice-secret"), 4096));

  private final List<AutoCloseable> opened = new ArrayList<>();
  private final ConcurrentLinkedQueue<KafkaPrincipal> principals = new ConcurrentLinkedQueue<>();

  @TempDir
  Path dir;

  /** Clients first: a TLS socket closing after its listener waits for a close_notify that never comes. */
  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private KafkaListener listener(KafkaSecurity security) throws IOException {
    KafkaListener listener = KafkaListener.start(KafkaListenerTest.testSettings(104857600), security,
        KafkaApiHandlers.of(List.of(new PrincipalNotingMetadata(principals))), NodeMetrics.disabled().kafka());
    opened.add(listener);
    return listener;
  }

  private KafkaTestClient connect(KafkaListener listener) throws IOException {
    KafkaTestClient client = new KafkaTestClient(listener.localAddress());
    opened.add(client);
    return client;
  }

  private static KafkaSecurity saslPlaintext() {
    return new KafkaSecurity(SecurityProtocol.SASL_PLAINTEXT, Optional.empty(), Optional.of(SASL));
  }

  private static byte[] plain(String user, String password) {
    return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void advertisesTheSaslApisAndAuthenticatesWithPlain() throws IOException {
    KafkaTestClient client = connect(listener(saslPlaintext()));
    ApiVersionsResponseData versions = client.call((short) 3, new ApiVersionsRequestData()
        .setClientSoftwareName("test").setClientSoftwareVersion("1"));
    assertEquals(1, versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id).maxVersion());
    assertEquals(2, versions.apiKeys().find(ApiKeys.SASL_AUTHENTICATE.id).maxVersion());

    SaslHandshakeResponseData handshake = client.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    assertEquals(Errors.NONE.code(), handshake.errorCode());
    SaslAuthenticateResponseData authenticated = client.call((short) 2,
        new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "alice-secret")));
    assertEquals(Errors.NONE.code(), authenticated.errorCode());
    assertEquals(0, authenticated.sessionLifetimeMs());

    client.call((short) 12, new MetadataRequestData());
    assertEquals(List.of(new KafkaPrincipal("User", "alice")), List.copyOf(principals));
  }

  @Test
  void afterAVersion0HandshakeTheSaslMessagesAreRawFrames() throws IOException {
    KafkaTestClient client = connect(listener(saslPlaintext()));
    SaslHandshakeResponseData handshake = client.call((short) 0, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    assertEquals(Errors.NONE.code(), handshake.errorCode());
    client.write(KafkaTestClient.sized(java.nio.ByteBuffer.wrap(plain("alice", "alice-secret"))));
    assertEquals(0, client.receiveFrame().remaining(), "PLAIN's empty answer, as a raw frame");
    client.call((short) 12, new MetadataRequestData());
    assertEquals(List.of(new KafkaPrincipal("User", "alice")), List.copyOf(principals));

    KafkaTestClient wrong = connect(listener(saslPlaintext()));
    wrong.call((short) 0, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    wrong.write(KafkaTestClient.sized(java.nio.ByteBuffer.wrap(plain("alice", "wrong"))));
    wrong.assertClosedByListener();
  }

  @Test
  void aWrongPasswordIsRefusedWithSaslAuthenticationFailedAndCloses() throws IOException {
    KafkaListener listener = listener(saslPlaintext());
    KafkaTestClient client = connect(listener);
    client.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    SaslAuthenticateResponseData refused = client.call((short) 2,
        new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "wrong")));
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("Invalid username or password"), refused.errorMessage());
    client.assertClosedByListener();

    KafkaTestClient next = connect(listener);
    next.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    assertEquals(Errors.NONE.code(), next.<SaslAuthenticateResponseData>call((short) 2,
        new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "alice-secret"))).errorCode());
  }

  @Test
  void anUnknownMechanismIsRefusedWithTheEnabledOnesAndCloses() throws IOException {
    KafkaTestClient client = connect(listener(saslPlaintext()));
    SaslHandshakeResponseData refused =
        client.call((short) 1, new SaslHandshakeRequestData().setMechanism("GSSAPI"));
    assertEquals(Errors.UNSUPPORTED_SASL_MECHANISM.code(), refused.errorCode());
    assertEquals(List.of("SCRAM-SHA-512", "PLAIN"), refused.mechanisms());
    client.assertClosedByListener();
  }

  @Test
  void requestsBeforeAuthenticationCloseTheConnection() throws IOException {
    KafkaListener listener = listener(saslPlaintext());
    KafkaTestClient client = connect(listener);
    client.write(KafkaTestClient.frame(new MetadataRequestData(),
        KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 1)));
    client.assertClosedByListener();

    KafkaTestClient outOfTurn = connect(listener);
    SaslAuthenticateResponseData refused = outOfTurn.call((short) 2,
        new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "alice-secret")));
    assertEquals(Errors.ILLEGAL_SASL_STATE.code(), refused.errorCode());
    outOfTurn.assertClosedByListener();
    assertTrue(principals.isEmpty());
  }

  @Test
  void largeRequestsWaitForAuthentication() throws IOException {
    byte[] large = new byte[SaslAuthentication.MAX_UNAUTHENTICATED_REQUEST_BYTES + 1];
    KafkaListener listener = listener(saslPlaintext());
    KafkaTestClient unauthenticated = connect(listener);
    // The size alone closes it: the body is never read.
    unauthenticated.write(java.nio.ByteBuffer.allocate(4).putInt(large.length).array());
    unauthenticated.assertClosedByListener();

    KafkaTestClient authenticated = connect(listener);
    authenticated.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    authenticated.call((short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "alice-secret")));
    List<MetadataRequestData.MetadataRequestTopic> topics = new ArrayList<>();
    for (int i = 0; i * 30_000 < large.length; i++) {
      topics.add(new MetadataRequestData.MetadataRequestTopic().setName(i + "t".repeat(30_000)));
    }
    MetadataRequestData request = new MetadataRequestData().setTopics(topics);
    authenticated.call((short) 12, request);
    assertEquals(1, principals.size(), "the large request was served once the client authenticated");
  }

  @Test
  void aClientCertificateIsThePrincipalAndPlaintextIsRefused() throws Exception {
    TestCertificates ca = TestCertificates.authority("Listener CA");
    TestCertificates.writePem(ca.server("broker"), dir.resolve("server.pem"), dir.resolve("server.key"));
    TestCertificates.writePem(ca.ca(), dir.resolve("ca.pem"));
    ServerTls tls = ServerTls.start(new TlsSettings(Optional.of(dir.resolve("server.pem")),
        Optional.of(dir.resolve("server.key")), Optional.empty(), "", Optional.of(dir.resolve("ca.pem")),
        ClientAuth.REQUIRED, Duration.ofSeconds(10)));
    opened.add(tls);
    KafkaListener listener = listener(new KafkaSecurity(SecurityProtocol.SSL, Optional.of(tls), Optional.empty()));

    TestCertificates.Issued client = ca.client("CN=app-1,OU=Payments,O=Example");
    KafkaTestClient tlsClient = new KafkaTestClient(tlsSocket(ca, Optional.of(client), listener));
    opened.add(tlsClient);
    tlsClient.call((short) 12, new MetadataRequestData());
    assertEquals(List.of(new KafkaPrincipal("User", "CN=app-1,OU=Payments,O=Example")), List.copyOf(principals));

    KafkaTestClient withoutCertificate = new KafkaTestClient(tlsSocket(ca, Optional.empty(), listener));
    opened.add(withoutCertificate);
    // TLS 1.3: the client ends its side of the handshake first, so the broker's refusal reaches it
    // as the alert (SSLHandshakeException) or, if the broker already closed, as the closed socket.
    IOException refused =
        assertThrows(IOException.class, () -> withoutCertificate.call((short) 12, new MetadataRequestData()));
    assertTrue(refused instanceof SSLHandshakeException || refused instanceof SocketException, refused.toString());

    KafkaTestClient plaintext = connect(listener);
    plaintext.write(KafkaTestClient.frame(new ApiVersionsRequestData(),
        KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 0, 1)));
    plaintext.assertClosedByListener();
    assertEquals(1, principals.size());
  }

  private static Socket tlsSocket(TestCertificates ca, Optional<TestCertificates.Issued> client,
      KafkaListener listener) throws IOException {
    SSLSocket socket = (SSLSocket) ca.clientContext(client).getSocketFactory()
        .createSocket(listener.localAddress().getAddress(), listener.port());
    socket.startHandshake();
    return socket;
  }
}
