package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.skein.broker.Caller;
import io.skein.security.SaslAuthenticator;
import io.skein.security.UserCredentials;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * KIP-368 on a SASL listener with {@code connections.max.reauth.ms}: the session lifetime is
 * told in SaslAuthenticate v1+, a client re-authenticates on its connection as the same
 * principal and mechanism only, and a request after an expired session closes the connection.
 * kafka-clients re-authenticates by itself and keeps producing and consuming.
 */
class KafkaReauthenticationTest {

  private static final SaslAuthenticator SASL = new SaslAuthenticator(List.of("SCRAM-SHA-512", "PLAIN"),
      UserCredentials.of(Map.of("alice", "alice-secret", "bob", "bob-secret"), 4096));
  private static final Duration REAUTH = Duration.ofMillis(2000);

  private final PrincipalNotingListeners listeners = new PrincipalNotingListeners(SASL);

  @AfterEach
  void closeAll() throws Exception {
    listeners.close();
  }

  private KafkaTestClient connect(Duration maxReauth) throws IOException {
    return listeners.connect(maxReauth);
  }

  private static byte[] plain(String user, String password) {
    return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
  }

  private static SaslAuthenticateResponseData authenticate(KafkaTestClient client, String user, String password)
      throws IOException {
    SaslHandshakeResponseData handshake = client.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    assertEquals(Errors.NONE.code(), handshake.errorCode());
    return client.call((short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain(user, password)));
  }

  /** Polls until {@code length} has passed since {@code startNanos}, so a session of that length is over. */
  private static void waitOut(long startNanos, Duration length) {
    assertEventually("the session is over", length.plusSeconds(5),
        () -> System.nanoTime() - startNanos > length.toNanos() + TimeUnit.MILLISECONDS.toNanos(50));
  }

  @Test
  void theSessionLifetimeIsToldAndOffMeansZero() throws IOException {
    SaslAuthenticateResponseData on = authenticate(connect(REAUTH), "alice", "alice-secret");
    assertEquals(Errors.NONE.code(), on.errorCode());
    assertEquals(REAUTH.toMillis(), on.sessionLifetimeMs());
    SaslAuthenticateResponseData off = authenticate(connect(Duration.ZERO), "alice", "alice-secret");
    assertEquals(0, off.sessionLifetimeMs());
  }

  @Test
  void aClientReauthenticatesAsItselfAndIsServedPastTheFirstSession() throws IOException {
    KafkaTestClient client = connect(REAUTH);
    long authenticatedAt = System.nanoTime();
    authenticate(client, "alice", "alice-secret");
    waitOut(authenticatedAt, REAUTH.dividedBy(2));
    SaslAuthenticateResponseData again = authenticate(client, "alice", "alice-secret");
    assertEquals(Errors.NONE.code(), again.errorCode());
    assertEquals(REAUTH.toMillis(), again.sessionLifetimeMs());
    waitOut(authenticatedAt, REAUTH);
    client.call((short) 12, new MetadataRequestData());
    assertEquals(List.of(new KafkaPrincipal("User", "alice")), List.copyOf(listeners.principals));
  }

  @Test
  void reauthenticatingAsSomeoneElseIsRefusedAndCloses() throws IOException {
    KafkaTestClient client = connect(REAUTH);
    authenticate(client, "alice", "alice-secret");
    SaslAuthenticateResponseData refused = authenticate(client, "bob", "bob-secret");
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("Cannot change principals"), refused.errorMessage());
    client.assertClosedByListener();
  }

  @Test
  void reauthenticatingWithAnotherMechanismIsRefusedAndCloses() throws IOException {
    KafkaTestClient client = connect(REAUTH);
    authenticate(client, "alice", "alice-secret");
    SaslHandshakeResponseData handshake =
        client.call((short) 1, new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"));
    assertEquals(Errors.NONE.code(), handshake.errorCode(), "as Kafka: refused at the SaslAuthenticate after it");
    SaslAuthenticateResponseData refused = client.call((short) 2,
        new SaslAuthenticateRequestData().setAuthBytes("n,,n=alice,r=abc".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("not allowed to re-authenticate"), refused.errorMessage());
    client.assertClosedByListener();
  }

  @Test
  void requestsDuringReauthenticationCloseTheConnection() throws IOException {
    KafkaTestClient client = connect(REAUTH);
    authenticate(client, "alice", "alice-secret");
    client.call((short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
    client.write(KafkaTestClient.frame(new MetadataRequestData(),
        KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 9)));
    client.assertClosedByListener();
    assertTrue(listeners.principals.isEmpty());
  }

  @Test
  void withoutReauthenticationTheConnectionClosesAfterTheSession() throws IOException {
    KafkaTestClient client = connect(REAUTH);
    long authenticatedAt = System.nanoTime();
    authenticate(client, "alice", "alice-secret");
    client.call((short) 12, new MetadataRequestData());
    waitOut(authenticatedAt, REAUTH);
    client.write(KafkaTestClient.frame(new MetadataRequestData(),
        KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 7)));
    client.assertClosedByListener();
    assertEquals(1, listeners.principals.size(), "only the request within the session was served");
  }

  @Test
  void withReauthenticationOffSessionsDoNotExpire() throws IOException {
    KafkaTestClient client = connect(Duration.ZERO);
    long authenticatedAt = System.nanoTime();
    authenticate(client, "alice", "alice-secret");
    waitOut(authenticatedAt, REAUTH);
    client.call((short) 12, new MetadataRequestData());
    assertEquals(1, listeners.principals.size());
  }

  /** Counts the broker's "re-authenticated" log lines. */
  private static final class Reauthentications extends AppenderBase<ILoggingEvent> {
    final AtomicInteger count = new AtomicInteger();

    @Override
    protected void append(ILoggingEvent event) {
      if (event.getFormattedMessage().contains(" re-authenticated as ")) {
        count.incrementAndGet();
      }
    }
  }

  @Test
  void kafkaClientsReauthenticateByThemselvesAndKeepWorking() throws Exception {
    Logger connectionLog = (Logger) LoggerFactory.getLogger(KafkaConnection.class);
    Level level = connectionLog.getLevel();
    Reauthentications reauthentications = new Reauthentications();
    reauthentications.start();
    connectionLog.setLevel(Level.DEBUG);
    connectionLog.addAppender(reauthentications);
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.kafka.connections-max-reauth", REAUTH.toMillis() + "ms");
    config.put("skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "PLAIN"));
    config.put("skein.security.sasl.users.alice", "alice-secret");
    try (TestBroker broker = TestBroker.start(config)) {
      broker.node().broker().topics().createTopic(Caller.BROKER, "reauth", 1, 1, Map.of(), false)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      Map<String, Object> client = new HashMap<>();
      client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
      client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
      client.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
      client.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
          + " username=\"alice\" password=\"alice-secret\";");
      Map<String, Object> producerConfig = new HashMap<>(client);
      producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      Map<String, Object> consumerConfig = new HashMap<>(client);
      consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      List<String> sent = new ArrayList<>();
      List<String> read = new ArrayList<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig);
          KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
        TopicPartition partition = new TopicPartition("reauth", 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        // Three sessions' worth of traffic, and at least a re-authentication of each client per period.
        while ((System.nanoTime() - start < 3 * REAUTH.toNanos() + REAUTH.toNanos() / 2
            || reauthentications.count.get() < 6) && System.nanoTime() < deadline) {
          String value = "v" + sent.size();
          producer.send(new ProducerRecord<>("reauth", 0, null, value)).get(10, TimeUnit.SECONDS);
          sent.add(value);
          for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
            read.add(record.value());
          }
        }
        long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (read.size() < sent.size() && System.nanoTime() < readDeadline) {
          for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
            read.add(record.value());
          }
        }
      }
      assertEquals(sent, read);
      assertTrue(reauthentications.count.get() >= 6,
          "re-authentications seen: " + reauthentications.count.get());
    } finally {
      connectionLog.detachAppender(reauthentications);
      connectionLog.setLevel(level);
    }
  }
}
