package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.skein.broker.Caller;
import io.skein.metrics.NodeMetrics;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.security.ServerTls;
import io.skein.security.TestCertificates;
import io.skein.security.TestTokens;
import io.skein.security.TestTokens.TestKey;
import io.skein.security.TlsSettings;
import io.skein.server.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed SASL exchanges and TLS handshakes, from fixed seeds so a failure replays: a broker
 * with SASL_PLAINTEXT (SCRAM-SHA-512, PLAIN, OAUTHBEARER) gets random and mutated SaslHandshake
 * and SaslAuthenticate frames over raw sockets, each case followed by a Metadata request. Every
 * case ends with the broker answering Metadata, only if the exchange was valid, or closing the
 * connection, within a deadline; SASL answers carry only Kafka's SASL errors, and a refused token
 * only the invalid_token challenge before its failure. A TLS listener gets random bytes and
 * mutated ClientHellos; the gRPC endpoint malformed {@code authorization} headers, Basic and
 * Bearer. Afterwards each still serves correct clients.
 */
class SaslTlsFuzzTest {

  private static final int SASL_CASES = 2000;
  private static final int TLS_CASES = 600;
  private static final int GRPC_CASES = 300;
  private static final int METADATA_CORRELATION = 999_999;
  private static final int DEADLINE_MS = 5000;
  private static final List<Short> SASL_ERRORS = List.of(Errors.NONE.code(), Errors.ILLEGAL_SASL_STATE.code(),
      Errors.UNSUPPORTED_SASL_MECHANISM.code(), Errors.SASL_AUTHENTICATION_FAILED.code());

  private static final TestKey ISSUER = TestKey.ec("fuzz-issuer", "P-256");
  private static final TestKey IMPOSTOR = new TestKey("fuzz-issuer", TestKey.ec("x", "P-256").pair(), "P-256");
  private static final byte[] INVALID_TOKEN = utf8("{\"status\":\"invalid_token\"}");

  private static Path dir;
  private static TestBroker broker;
  private static InetSocketAddress kafka;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-sasl-fuzz-");
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.grpc.authentication", List.of("basic", "bearer"));
    config.put("skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "PLAIN", "OAUTHBEARER"));
    Files.writeString(dir.resolve("jwks.json"), TestTokens.jwks(ISSUER));
    config.put("skein.security.oauthbearer.jwks-file", dir.resolve("jwks.json").toString());
    config.put("skein.security.sasl.users.alice", "alice-secret");
    broker = TestBroker.start(config);
    for (String topic : List.of("fuzzed", "half-open")) {
      broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    kafka = new InetSocketAddress("127.0.0.1", broker.node().kafkaPort());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  // ---- the SASL exchange ----

  /** One case: the frames a client sends, and whether they are a valid exchange (Metadata may then be answered). */
  private record Case(String name, List<byte[]> frames, boolean valid) {}

  /** A client speaking over a raw socket, one step of the exchange at a time. */
  private static final class Wire implements AutoCloseable {
    final Socket socket = new Socket();
    final DataInputStream in;
    final OutputStream out;
    final Map<Integer, RequestHeader> sent = new HashMap<>();
    int correlation;

    Wire(InetSocketAddress address) throws IOException {
      socket.connect(address, DEADLINE_MS);
      socket.setSoTimeout(DEADLINE_MS);
      socket.setTcpNoDelay(true);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    byte[] frame(ApiMessage request, short version) {
      RequestHeader header = KafkaTestClient.header(ApiKeys.forId(request.apiKey()), version, ++correlation);
      sent.put(header.correlationId(), header);
      return KafkaTestClient.frame(request, header);
    }

    /** The next answer, or null if the broker closed the connection. A hang fails. */
    AbstractResponse receive() throws IOException {
      try {
        int size = in.readInt();
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        ByteBuffer frame = ByteBuffer.wrap(bytes);
        RequestHeader header = sent.get(frame.getInt(0));
        if (header == null) {
          fail("an answer to correlation id " + frame.getInt(0) + ", which was not sent");
        }
        return AbstractResponse.parseResponse(frame, header);
      } catch (EOFException | SocketException closed) {
        return null;
      } catch (SocketTimeoutException hang) {
        throw new AssertionError("the broker neither answered nor closed within " + DEADLINE_MS + " ms", hang);
      }
    }

    /** A raw SASL answer (after SaslHandshake v0), or null if the broker closed instead. */
    byte[] rawAnswer() throws IOException {
      try {
        byte[] answer = new byte[in.readInt()];
        in.readFully(answer);
        return answer;
      } catch (EOFException | SocketException closed) {
        return null;
      } catch (SocketTimeoutException hang) {
        throw new AssertionError("no raw SASL answer nor a close within " + DEADLINE_MS + " ms", hang);
      }
    }

    void write(byte[] bytes) throws IOException {
      try {
        out.write(bytes);
        out.flush();
      } catch (SocketException closedMeanwhile) {
        // The broker closed after an earlier frame; reading says so.
      }
    }

    /** Fails unless the broker closes (after any answers) within the deadline. */
    void assertClosed() throws IOException {
      try {
        while (in.read() >= 0) {
          // answers before the close
        }
      } catch (SocketException reset) {
        // closed
      } catch (SocketTimeoutException hang) {
        throw new AssertionError("the broker did not close a half-open connection within " + DEADLINE_MS + " ms");
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String randomText(Random random, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f)));
    }
    return text.toString();
  }

  private static byte[] randomBytes(Random random, int maxLength) {
    byte[] bytes = new byte[random.nextInt(maxLength + 1)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** A PLAIN message and whether it is alice's valid one. */
  private record PlainMessage(byte[] bytes, boolean valid) {}

  private static PlainMessage plainMessage(Random random) {
    return switch (random.nextInt(12)) {
      case 0 -> new PlainMessage(utf8("\0alice\0alice-secret"), true);
      case 1 -> new PlainMessage(utf8("alice\0alice\0alice-secret"), true);
      case 2 -> new PlainMessage(utf8("alice" + "alice-secret"), false);
      case 3 -> new PlainMessage(utf8("\0alice" + "alice-secret"), false);
      case 4 -> new PlainMessage(utf8("\0\0alice-secret"), false);
      case 5 -> new PlainMessage(utf8("\0" + "a".repeat(1 + random.nextInt(300_000)) + "\0alice-secret"), false);
      case 6 -> new PlainMessage(utf8("\0alice\0alice-secret\0"), false);
      case 7 -> new PlainMessage(utf8("bob\0alice\0alice-secret"), false);
      case 8 -> new PlainMessage(utf8("\0alice\0" + randomText(random, 20)), false);
      case 9 -> new PlainMessage(new byte[0], false);
      case 10 -> new PlainMessage(utf8("\0ALICE\0alice-secret"), false);
      default -> {
        byte[] garbage = randomBytes(random, 64);
        yield new PlainMessage(garbage, false);
      }
    };
  }

  private static String mechanism(Random random) {
    return switch (random.nextInt(10)) {
      case 0, 1 -> "PLAIN";
      case 2, 3 -> "SCRAM-SHA-512";
      case 4, 5 -> "OAUTHBEARER";
      case 6 -> "SCRAM-SHA-256";
      case 7 -> List.of("plain", "GSSAPI", "oauthbearer", "", "PLAIN ", "SCRAM-SHA-512\0").get(random.nextInt(6));
      case 8 -> "X".repeat(random.nextInt(Short.MAX_VALUE));
      default -> randomText(random, 40);
    };
  }

  private static final byte[] METADATA = KafkaTestClient.frame(new MetadataRequestData(),
      KafkaTestClient.header(ApiKeys.METADATA, (short) 12, METADATA_CORRELATION));

  /** Runs one structured case step by step (SCRAM needs the server's nonce), checking every answer. */
  private static void runExchange(Random random, int caseNumber) throws Exception {
    try (Wire wire = new Wire(kafka)) {
      wire.sent.put(METADATA_CORRELATION, KafkaTestClient.header(ApiKeys.METADATA, (short) 12, METADATA_CORRELATION));
      boolean valid = exchange(random, wire);
      wire.write(METADATA);
      AbstractResponse answer;
      while ((answer = wire.receive()) != null) {
        if (answer.apiKey() == ApiKeys.METADATA) {
          assertTrue(valid, "case " + caseNumber + ": Metadata answered after an invalid exchange");
          return;
        }
        assertSaslAnswer(caseNumber, answer);
      }
      assertFalse(valid, "case " + caseNumber + ": the valid exchange was not served");
    }
  }

  private static void assertSaslAnswer(int caseNumber, AbstractResponse answer) {
    short code = switch (answer.apiKey()) {
      case SASL_HANDSHAKE -> ((SaslHandshakeResponseData) answer.data()).errorCode();
      case SASL_AUTHENTICATE -> ((SaslAuthenticateResponseData) answer.data()).errorCode();
      case API_VERSIONS -> Errors.NONE.code();
      default -> throw new AssertionError("case " + caseNumber + ": unexpected answer " + answer.apiKey());
    };
    assertTrue(SASL_ERRORS.contains(code) || answer.apiKey() == ApiKeys.API_VERSIONS,
        "case " + caseNumber + ": " + answer.apiKey() + " answered with error " + code);
  }

  /** Sends a structured, possibly mutated, exchange; true if it was the valid one. */
  private static boolean exchange(Random random, Wire wire) throws Exception {
    if (random.nextInt(4) == 0) {
      short version = (short) random.nextInt(4);
      wire.write(wire.frame(new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"),
          version));
      AbstractResponse versions = wire.receive();
      if (versions == null) {
        return false;
      }
      assertEquals(ApiKeys.API_VERSIONS, versions.apiKey());
    }
    switch (random.nextInt(8)) {
      case 0 -> {
        // Out of turn: SaslAuthenticate first, or another API before authentication.
        if (random.nextBoolean()) {
          wire.write(wire.frame(new SaslAuthenticateRequestData().setAuthBytes(utf8("\0alice\0alice-secret")),
              (short) random.nextInt(3)));
        } else {
          ApiKeys other = List.of(ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS,
              ApiKeys.DESCRIBE_CLUSTER).get(random.nextInt(5));
          RequestHeader header = KafkaTestClient.header(other, other.latestVersion(), ++wire.correlation);
          wire.sent.put(header.correlationId(), header);
          wire.write(KafkaTestClient.sized(ByteBuffer.wrap(concat(headerBytes(header), randomBytes(random, 40)))));
        }
        return false;
      }
      case 1 -> {
        // SASL APIs at versions not served.
        short version = (short) (random.nextBoolean() ? 2 + random.nextInt(100) : -1 - random.nextInt(100));
        wire.write(withVersion(wire.frame(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1),
            version));
        return false;
      }
      default -> {
        String mechanism = mechanism(random);
        short handshakeVersion = (short) (random.nextInt(5) == 0 ? 0 : 1);
        wire.write(wire.frame(new SaslHandshakeRequestData().setMechanism(mechanism), handshakeVersion));
        AbstractResponse handshake = wire.receive();
        if (handshake == null) {
          return false;
        }
        assertSaslAnswer(-1, handshake);
        short code = ((SaslHandshakeResponseData) handshake.data()).errorCode();
        boolean enabled = mechanism.equals("PLAIN") || mechanism.equals("SCRAM-SHA-512")
            || mechanism.equals("OAUTHBEARER");
        assertEquals(enabled ? Errors.NONE.code() : Errors.UNSUPPORTED_SASL_MECHANISM.code(), code,
            "SaslHandshake of " + mechanism.substring(0, Math.min(40, mechanism.length())));
        if (!enabled) {
          return false;
        }
        boolean raw = handshakeVersion == 0;
        short authenticateVersion = (short) random.nextInt(3);
        if (random.nextInt(10) == 0) {
          // A second handshake while the first exchange goes on.
          wire.write(wire.frame(new SaslHandshakeRequestData().setMechanism(mechanism), (short) 1));
          return false;
        }
        return switch (mechanism) {
          case "PLAIN" -> plain(random, wire, raw, authenticateVersion);
          case "OAUTHBEARER" -> oauthBearer(random, wire, raw, authenticateVersion);
          default -> scram(random, wire, raw, authenticateVersion);
        };
      }
    }
  }

  private static boolean plain(Random random, Wire wire, boolean raw, short version) throws IOException {
    PlainMessage message = plainMessage(random);
    if (raw) {
      wire.write(KafkaTestClient.sized(ByteBuffer.wrap(message.bytes())));
      assertEquals(message.valid(), wire.rawAnswer() != null, "raw PLAIN answered");
    } else {
      wire.write(wire.frame(new SaslAuthenticateRequestData().setAuthBytes(message.bytes()), version));
    }
    return message.valid();
  }

  /** How the broker is to take an OAUTHBEARER client-first message. */
  private enum BearerOutcome { AUTHENTICATES, REFUSED_TOKEN, MALFORMED }

  private record BearerMessage(byte[] bytes, BearerOutcome outcome) {}

  private static String validToken() {
    return TestTokens.sign("ES256", ISSUER, TestTokens.claims("alice", Instant.now().plusSeconds(600)));
  }

  /** A token the validator refuses: well framed (a b64token), badly signed, expired, unsigned, malformed inside. */
  private static String refusedToken(Random random) {
    String valid = validToken();
    String[] parts = valid.split("\\.");
    return switch (random.nextInt(11)) {
      case 0 -> TestTokens.sign("ES256", ISSUER, TestTokens.claims("alice", Instant.now().minusSeconds(3600)));
      case 1 -> TestTokens.sign("ES256", IMPOSTOR, TestTokens.claims("alice", Instant.now().plusSeconds(600)));
      case 2 -> TestTokens.encode("{\"alg\":\"none\"}") + "." + parts[1] + ".";
      case 3 -> TestTokens.encode("{\"alg\":\"HS256\",\"kid\":\"fuzz-issuer\"}") + "." + parts[1] + "."
          + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(random, 32));
      case 4 -> {
        char[] payload = parts[1].toCharArray();
        int at = random.nextInt(payload.length);
        payload[at] = payload[at] == 'A' ? 'B' : 'A';
        yield parts[0] + "." + new String(payload) + "." + parts[2];
      }
      case 5 -> String.join(".", Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(random, 60)),
          Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(random, 60)),
          Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(random, 60)));
      case 6 -> "a".repeat(70_000 + random.nextInt(200_000)) + "." + parts[1] + "." + parts[2];
      case 7 -> TestTokens.encode(randomText(random, 40).replaceAll("[^\\x20-\\x7e]", "?")) + "." + parts[1] + "."
          + parts[2];
      case 8 -> TestTokens.sign("ES256", ISSUER, "{\"sub\":[\"alice\"],\"exp\":\"soon\"}");
      case 9 -> parts[0] + "." + parts[1] + "." + parts[2].substring(0, random.nextInt(parts[2].length()));
      default -> TestTokens.signWithHeader("{\"alg\":\"ES256\",\"kid\":" + random.nextInt() + "}", "ES256", ISSUER,
          TestTokens.claims("alice", Instant.now().plusSeconds(600)));
    };
  }

  private static BearerMessage bearerMessage(Random random) {
    String valid = validToken();
    return switch (random.nextInt(14)) {
      case 0, 1 -> new BearerMessage(utf8("n,,\u0001auth=Bearer " + valid + "\u0001\u0001"), BearerOutcome.AUTHENTICATES);
      case 2 -> new BearerMessage(utf8("n,a=alice,\u0001host=broker\u0001port=9092\u0001auth=bearer " + valid
          + "\u0001\u0001"), BearerOutcome.AUTHENTICATES);
      case 3, 4, 5 -> new BearerMessage(utf8("n,,\u0001auth=Bearer " + refusedToken(random) + "\u0001\u0001"),
          BearerOutcome.REFUSED_TOKEN);
      case 6 -> new BearerMessage(utf8(randomText(random, 80)), BearerOutcome.MALFORMED);
      case 7 -> new BearerMessage(utf8("n,,\u0001auth=Bearer " + valid + "\u0001"), BearerOutcome.MALFORMED);
      case 8 -> new BearerMessage(utf8("n,,\u0001auth=Basic " + base64("alice:alice-secret") + "\u0001\u0001"),
          BearerOutcome.MALFORMED);
      case 9 -> new BearerMessage(utf8("n,,\u0001host=broker\u0001\u0001"), BearerOutcome.MALFORMED);
      case 10 -> new BearerMessage(utf8("n,,\u0001auth=Bearer " + valid.replace('.', ' ') + "\u0001\u0001"),
          BearerOutcome.MALFORMED);
      case 11 -> new BearerMessage(utf8("n,a=mallory,\u0001auth=Bearer " + valid + "\u0001\u0001"),
          BearerOutcome.MALFORMED);
      case 12 -> new BearerMessage(utf8("n,,\u0001auth=Bearer " + valid + "\u0001auth=Bearer " + valid
          + "\u0001\u0001"), BearerOutcome.MALFORMED);
      default -> new BearerMessage(randomBytes(random, 100), BearerOutcome.MALFORMED);
    };
  }

  /** OAUTHBEARER: a good token authenticates; a refused one gets the challenge, then fails whatever the client answers. */
  private static boolean oauthBearer(Random random, Wire wire, boolean raw, short version) throws IOException {
    BearerMessage message = bearerMessage(random);
    byte[] answer = saslStep(wire, raw, version, message.bytes());
    switch (message.outcome()) {
      case AUTHENTICATES -> {
        assertNotNull(answer, "a valid OAUTHBEARER message was refused");
        assertEquals(0, answer.length);
        return true;
      }
      case REFUSED_TOKEN -> {
        assertNotNull(answer, "a refused token closed before the invalid_token challenge");
        assertArrayEquals(INVALID_TOKEN, answer);
        byte[] acknowledgement = random.nextInt(4) == 0 ? randomBytes(random, 10) : new byte[] {1};
        assertNull(saslStep(wire, raw, version, acknowledgement), "a refused token's exchange went on");
        return false;
      }
      default -> {
        assertNull(answer, "a malformed OAUTHBEARER message was answered");
        return false;
      }
    }
  }

  /** SCRAM-SHA-512 with a mutated client-first or client-final message; the proof is computed for alice's password. */
  private static boolean scram(Random random, Wire wire, boolean raw, short version) throws Exception {
    String nonce = Base64.getEncoder().encodeToString(randomBytes(random, 24)) + "n";
    String clientFirstBare = "n=alice,r=" + nonce;
    int firstMutation = random.nextInt(4) == 0 ? random.nextInt(6) : -1;
    String clientFirst = switch (firstMutation) {
      case 0 -> randomText(random, 60);
      case 1 -> "n,,n=mallory,r=" + nonce;
      case 2 -> "p=tls-unique,," + clientFirstBare;
      case 3 -> "n,,n=" + "a".repeat(200_000) + ",r=" + nonce;
      case 4 -> "n,,n=alice";
      case 5 -> "";
      default -> "n,," + clientFirstBare;
    };
    byte[] serverFirst = saslStep(wire, raw, version, utf8(clientFirst));
    if (serverFirst == null) {
      assertTrue(firstMutation >= 0, "the valid client-first message was refused");
      return false;
    }
    assertTrue(firstMutation < 0, "a malformed client-first message was answered: " + firstMutation);
    String serverFirstText = new String(serverFirst, StandardCharsets.UTF_8);
    Map<String, String> fields = new HashMap<>();
    for (String field : serverFirstText.split(",")) {
      fields.put(field.substring(0, 1), field.substring(2));
    }
    String combinedNonce = fields.get("r");
    assertTrue(combinedNonce.startsWith(nonce) && combinedNonce.length() > nonce.length(), serverFirstText);
    int finalMutation = random.nextInt(5) == 0 ? -1 : random.nextInt(8);
    String nonceSent = finalMutation == 0 ? nonce + "forged" : finalMutation == 1 ? nonce : combinedNonce;
    String binding = finalMutation == 2 ? "eSws" : "biws";
    String withoutProof = "c=" + binding + ",r=" + nonceSent;
    byte[] proof = proof(Base64.getDecoder().decode(fields.get("s")), Integer.parseInt(fields.get("i")),
        clientFirstBare + "," + serverFirstText + "," + withoutProof);
    if (finalMutation == 3) {
      proof[random.nextInt(proof.length)] ^= (byte) (1 << random.nextInt(8));
    }
    String clientFinal = switch (finalMutation) {
      case 4 -> randomText(random, 200);
      case 5 -> withoutProof;
      case 6 -> withoutProof + ",p=" + Base64.getEncoder().encodeToString(randomBytes(random, 64));
      case 7 -> withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof).substring(0, 20);
      default -> withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    };
    byte[] serverFinal = saslStep(wire, raw, version, utf8(clientFinal));
    assertEquals(finalMutation < 0, serverFinal != null, "client-final mutation " + finalMutation);
    return finalMutation < 0;
  }

  /** One SASL message and the server's answer to it, or null if refused (the connection then closes). */
  private static byte[] saslStep(Wire wire, boolean raw, short version, byte[] message) throws IOException {
    if (raw) {
      wire.write(KafkaTestClient.sized(ByteBuffer.wrap(message)));
      return wire.rawAnswer();
    }
    wire.write(wire.frame(new SaslAuthenticateRequestData().setAuthBytes(message), version));
    AbstractResponse answer = wire.receive();
    if (answer == null) {
      return null;
    }
    assertSaslAnswer(-1, answer);
    SaslAuthenticateResponseData data = (SaslAuthenticateResponseData) answer.data();
    if (data.errorCode() != Errors.NONE.code()) {
      assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), data.errorCode());
      return null;
    }
    return data.authBytes();
  }

  /** SCRAM-SHA-512's ClientProof for alice's password (RFC 5802). */
  private static byte[] proof(byte[] salt, int iterations, String authMessage) throws Exception {
    byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
        .generateSecret(new PBEKeySpec("alice-secret".toCharArray(), salt, iterations, 512)).getEncoded();
    byte[] clientKey = hmac(salted, "Client Key");
    byte[] signature = hmac(MessageDigest.getInstance("SHA-512").digest(clientKey), authMessage);
    for (int i = 0; i < clientKey.length; i++) {
      clientKey[i] ^= signature[i];
    }
    return clientKey;
  }

  private static byte[] hmac(byte[] key, String message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA512");
    mac.init(new SecretKeySpec(key, "HmacSHA512"));
    return mac.doFinal(utf8(message));
  }

  private static byte[] headerBytes(RequestHeader header) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    short version = header.headerVersion();
    ByteBuffer bytes = ByteBuffer.allocate(header.data().size(cache, version));
    header.data().write(new ByteBufferAccessor(bytes), cache, version);
    return bytes.array();
  }

  private static byte[] withVersion(byte[] frame, short version) {
    ByteBuffer.wrap(frame).putShort(6, version);
    return frame;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** Random bytes, and valid exchanges cut short, with broken size prefixes, or with a flipped byte. */
  private static void runRawStream(Random random, int caseNumber) throws IOException {
    byte[] valid = concat(
        KafkaTestClient.frame(new SaslHandshakeRequestData().setMechanism("PLAIN"),
            KafkaTestClient.header(ApiKeys.SASL_HANDSHAKE, (short) 1, 1)),
        KafkaTestClient.frame(new SaslAuthenticateRequestData().setAuthBytes(utf8("\0alice\0alice-secret")),
            KafkaTestClient.header(ApiKeys.SASL_AUTHENTICATE, (short) 2, 2)));
    byte[] stream = switch (random.nextInt(4)) {
      case 0 -> randomBytes(random, 200);
      case 1 -> Arrays.copyOf(valid, random.nextInt(valid.length));
      case 2 -> {
        byte[] broken = valid.clone();
        int size = List.of(-1, Integer.MIN_VALUE, Integer.MAX_VALUE,
            SaslAuthentication.MAX_UNAUTHENTICATED_REQUEST_BYTES + 1 + random.nextInt(1000), 0, 1)
            .get(random.nextInt(6));
        ByteBuffer.wrap(broken).putInt(0, size);
        yield broken;
      }
      default -> {
        byte[] flipped = valid.clone();
        // A byte of the handshake: its size, header or mechanism.
        int at = random.nextInt(4 + 2 + 2 + 4 + 2 + KafkaTestClient.CLIENT_ID.length());
        flipped[at] ^= (byte) (1 + random.nextInt(255));
        yield flipped;
      }
    };
    try (Wire wire = new Wire(kafka)) {
      wire.write(stream);
      // However the stream is framed, the client then goes quiet: the broker may wait for more, until the client
      // half-closes; then it must close.
      wire.socket.shutdownOutput();
      wire.assertClosed();
    }
  }

  @Test
  void malformedSaslExchangesGetKafkaErrorsOrACloseAndNeverASession() throws Exception {
    Random random = new Random(368);
    long start = System.nanoTime();
    for (int i = 0; i < SASL_CASES; i++) {
      long seed = random.nextLong();
      try {
        if (i % 4 == 3) {
          runRawStream(new Random(seed), i);
        } else {
          runExchange(new Random(seed), i);
        }
      } catch (AssertionError | Exception e) {
        throw new AssertionError("SASL case " + i + " (seed " + seed + ") failed", e);
      }
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(90), "the fuzz run took too long");
    assertKafkaClientsStillServed("fuzzed");
  }

  @Test
  void halfOpenConnectionsDoNotStopTheBroker() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Socket socket = new Socket(kafka.getAddress(), kafka.getPort());
        if (i % 2 == 0) {
          socket.getOutputStream().write(new byte[] {0, 0, 1});
        }
        idle.add(socket);
      }
      assertKafkaClientsStillServed("half-open");
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  private static void assertKafkaClientsStillServed(String topic) throws Exception {
    Map<String, Object> client = new HashMap<>();
    client.put("bootstrap.servers", broker.kafkaBootstrap());
    client.put("security.protocol", "SASL_PLAINTEXT");
    client.put("sasl.mechanism", "SCRAM-SHA-512");
    client.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"alice\" password=\"alice-secret\";");
    String value = "after-" + System.nanoTime();
    KafkaSaslSslEndToEndTest.assertProducedAndConsumed(new HashMap<>(client), new HashMap<>(client), topic,
        List.of(value));
  }

  // ---- the TLS handshake ----

  @Test
  void randomBytesAndMutatedClientHellosCloseTlsConnections() throws Exception {
    TestCertificates ca = TestCertificates.authority("Fuzz CA");
    TestCertificates.writePem(ca.server("broker"), dir.resolve("server.pem"), dir.resolve("server.key"));
    try (ServerTls tls = ServerTls.start(new TlsSettings(Optional.of(dir.resolve("server.pem")),
            Optional.of(dir.resolve("server.key")), Optional.empty(), "", Optional.empty(),
            io.skein.security.ClientAuth.NONE, Duration.ofSeconds(10)));
        KafkaListener listener = KafkaListener.start(KafkaListenerTest.testSettings(104857600),
            new KafkaSecurity(SecurityProtocol.SSL, Optional.of(tls), Optional.empty()),
            KafkaApiHandlers.of(List.of()), NodeMetrics.disabled().kafka())) {
      SSLContext context = ca.clientContext(Optional.empty());
      byte[] hello = clientHello(context);
      Random random = new Random(1368);
      for (int i = 0; i < TLS_CASES; i++) {
        long seed = random.nextLong();
        byte[] bytes = mutatedHello(new Random(seed), hello);
        try (Wire wire = new Wire(listener.localAddress())) {
          wire.write(bytes);
          wire.socket.shutdownOutput();
          wire.assertClosed();
        } catch (AssertionError | IOException e) {
          throw new AssertionError("TLS case " + i + " (seed " + seed + ") failed", e);
        }
      }
      SSLSocket socket = (SSLSocket) context.getSocketFactory()
          .createSocket(listener.localAddress().getAddress(), listener.port());
      try (KafkaTestClient client = new KafkaTestClient(socket)) {
        ApiVersionsResponseData versions = client.call((short) 3,
            new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"));
        assertEquals(Errors.NONE.code(), versions.errorCode());
      }
    }
  }

  /** The first TLS record a JDK client sends. */
  private static byte[] clientHello(SSLContext context) throws Exception {
    SSLEngine engine = context.createSSLEngine("broker", 9093);
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    return hello;
  }

  private static byte[] mutatedHello(Random random, byte[] hello) {
    return switch (random.nextInt(6)) {
      case 0 -> randomBytes(random, 600);
      case 1 -> Arrays.copyOf(hello, random.nextInt(hello.length));
      case 2 -> {
        byte[] flipped = hello.clone();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
          flipped[random.nextInt(flipped.length)] ^= (byte) (1 + random.nextInt(255));
        }
        yield flipped;
      }
      case 3 -> {
        // The record's or the handshake message's length made wrong.
        byte[] lengths = hello.clone();
        int at = random.nextBoolean() ? 3 : 6;
        lengths[at] = (byte) random.nextInt(256);
        lengths[at + 1] = (byte) random.nextInt(256);
        yield lengths;
      }
      case 4 -> concat(hello, randomBytes(random, 2000));
      default -> concat(utf8("GET / HTTP/1.1\r\n\r\n"), hello);
    };
  }

  // ---- gRPC's authorization header ----

  @Test
  void malformedAuthorizationHeadersAreUnauthenticated() {
    Random random = new Random(7677);
    for (int i = 0; i < GRPC_CASES; i++) {
      String header = authorization(random);
      Status.Code code = listTopics(header);
      assertNotEquals(Status.Code.OK, code, "case " + i + ": authorization " + header.substring(0,
          Math.min(60, header.length())) + " was let in");
      if (header.length() < 4000) {
        assertEquals(Status.Code.UNAUTHENTICATED, code, "case " + i + ": " + header);
      }
    }
    assertEquals(Status.Code.OK, listTopics("Basic " + base64("alice:alice-secret")));
    assertEquals(Status.Code.OK, listTopics("Bearer " + validToken()));
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(utf8(s));
  }

  private static String authorization(Random random) {
    return switch (random.nextInt(13)) {
      case 10 -> "Bearer " + refusedToken(random);
      case 11 -> "Bearer " + randomText(random, 300).replaceAll("[^\\x20-\\x7e]", "?");
      case 12 -> List.of("Bearer", "Bearer  ", "bearer " + validToken().replace('.', ','), "Bearer " + validToken() + "x")
          .get(random.nextInt(4));
      case 0 -> "Basic " + randomText(random, 30).replaceAll("[^\\x20-\\x7e]", "?");
      case 1 -> "Basic " + base64("alice" + "alice-secret");
      case 2 -> List.of("Bearer ", "Basic", "Digest ", "basicc ", "").get(random.nextInt(5))
          + base64("alice:alice-secret");
      case 3 -> "Basic " + base64("alice:" + "x".repeat(random.nextInt(200_000)));
      case 4 -> "Basic " + base64("alice:alice-secret").substring(0, 1 + random.nextInt(10));
      case 5 -> "Basic " + base64(":alice-secret");
      case 6 -> "Basic " + base64("alice:alice-secret\0");
      case 7 -> "Basic " + base64("mallory:alice-secret");
      case 8 -> "Basic " + base64("alice:alice-secret") + "!!";
      default -> "Basic " + Base64.getEncoder().encodeToString(randomBytes(random, 40));
    };
  }

  private static Status.Code listTopics(String authorization) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
    try {
      AdminServiceGrpc.newBlockingStub(ClientInterceptors.intercept(broker.channel(),
              MetadataUtils.newAttachHeadersInterceptor(headers)))
          .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
          .listTopics(ListTopicsRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
