package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorIdentity;
import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.actor.Address;
import akka.actor.ExtendedActorSystem;
import akka.actor.Identify;
import akka.pattern.Patterns;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.skein.security.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Akka remoting over TLS from skein.cluster.tls: the Akka settings, the start-up checks, and peers it refuses. */
class RemotingTlsTest {

  private static final String ENGINE = "akka.remote.artery.ssl.rotating-keys-engine.";
  /** Made once: RSA keys take a while on a busy machine. */
  private static final TestCertificates CA = TestCertificates.rsaAuthority("Skein Cluster CA");
  private static final TestCertificates OTHER_CA = TestCertificates.rsaAuthority("Other CA");

  @TempDir
  Path dir;

  private final List<ActorSystem> systems = new ArrayList<>();

  @AfterEach
  void stopSystems() throws Exception {
    // All at once: one whose handshakes were refused takes its shutdown timeout to stop.
    systems.forEach(ActorSystem::terminate);
    for (ActorSystem system : systems) {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static Config config(Map<String, Object> settings) {
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.parseResources("skein-defaults.conf"))
        .resolve();
  }

  private static String refusal(Map<String, Object> settings) {
    return assertThrows(ConfigException.class, () -> RemotingTls.akkaConfig(config(settings))).getMessage();
  }

  /** PEM files of a broker certificate of {@code ca} in {@code name}.pem / .key, and the CA in ca.pem. */
  private Map<String, Object> brokerFiles(TestCertificates ca, String name) throws Exception {
    Path certificate = dir.resolve(name + ".pem");
    Path key = dir.resolve(name + ".key");
    TestCertificates.writePem(ca.server(name), certificate, key);
    Path trust = dir.resolve(name + "-ca.pem");
    TestCertificates.writePem(ca.ca(), trust);
    Map<String, Object> settings = new HashMap<>();
    settings.put("skein.cluster.tls.enabled", true);
    settings.put("skein.security.tls.certificate", certificate.toString());
    settings.put("skein.security.tls.private-key", key.toString());
    settings.put("skein.security.tls.trust", trust.toString());
    return settings;
  }

  @Test
  void offByDefaultRemotingStaysPlainTcp() {
    assertTrue(RemotingTls.akkaConfig(config(Map.of())).isEmpty());
    assertEquals("tcp", ConfigFactory.load(config(Map.of())).getString("akka.remote.artery.transport"));
  }

  @Test
  void onItSelectsTlsTcpWithTheRotatingKeysEngineOnTheSkeinTlsFiles() throws Exception {
    Map<String, Object> settings = brokerFiles(CA, "broker-1");
    settings.put("skein.security.tls.reload-interval", "30s");
    Config akka = RemotingTls.akkaConfig(config(settings));
    assertEquals("tls-tcp", akka.getString("akka.remote.artery.transport"));
    assertEquals("akka.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        akka.getString("akka.remote.artery.ssl.ssl-engine-provider"));
    assertEquals(settings.get("skein.security.tls.certificate"), akka.getString(ENGINE + "cert-file"));
    assertEquals(settings.get("skein.security.tls.private-key"), akka.getString(ENGINE + "key-file"));
    assertEquals(settings.get("skein.security.tls.trust"), akka.getString(ENGINE + "ca-cert-file"));
    assertEquals(Duration.ofSeconds(30), akka.getDuration(ENGINE + "ssl-context-cache-ttl"));
  }

  @Test
  void itsOwnFilesTakePrecedenceOverTheListenersOnes() throws Exception {
    Map<String, Object> settings = brokerFiles(CA, "listener");
    Map<String, Object> own = brokerFiles(CA, "broker-1");
    settings.put("skein.cluster.tls.certificate", own.get("skein.security.tls.certificate"));
    settings.put("skein.cluster.tls.private-key", own.get("skein.security.tls.private-key"));
    Config akka = RemotingTls.akkaConfig(config(settings));
    assertEquals(own.get("skein.security.tls.certificate"), akka.getString(ENGINE + "cert-file"));
    assertEquals(own.get("skein.security.tls.private-key"), akka.getString(ENGINE + "key-file"));
    assertEquals(settings.get("skein.security.tls.trust"), akka.getString(ENGINE + "ca-cert-file"));
  }

  @Test
  void filesThatCannotWorkAreRefusedAtStartUpNamingTheFile() throws Exception {
    assertTrue(refusal(Map.of("skein.cluster.tls.enabled", true)).contains("skein.cluster.tls.certificate"));
    assertTrue(refusal(Map.of("skein.cluster.tls.enabled", true, "skein.security.tls.keystore", "/x/broker.p12"))
        .contains("keystore is not used between brokers"));

    Map<String, Object> missing = brokerFiles(CA, "broker-1");
    missing.put("skein.security.tls.trust", dir.resolve("absent.pem").toString());
    String noTrust = refusal(missing);
    assertTrue(noTrust.contains("absent.pem") && noTrust.contains("no such file"), noTrust);

    Map<String, Object> notACertificate = brokerFiles(CA, "broker-1");
    notACertificate.put("skein.security.tls.certificate", notACertificate.get("skein.security.tls.private-key"));
    assertTrue(refusal(notACertificate).contains("is not a PEM certificate"));

    Map<String, Object> otherCa = brokerFiles(CA, "broker-1");
    otherCa.put("skein.security.tls.trust", brokerFiles(OTHER_CA, "other").get("skein.security.tls.trust"));
    assertTrue(refusal(otherCa).contains("is not signed by the CA"));

    String ecKey = refusal(brokerFiles(TestCertificates.authority("EC CA"), "broker-1"));
    assertTrue(ecKey.contains("broker-1.key is not an RSA private key"), ecKey);

    Map<String, Object> garbledKey = brokerFiles(CA, "broker-1");
    Files.writeString(Path.of((String) garbledKey.get("skein.security.tls.private-key")), "not a key");
    assertTrue(refusal(garbledKey).contains("is not an RSA private key"));
  }

  @Test
  void peersWithCertificatesOfTheClusterCaTalkAndOthersAreRefused() throws Exception {
    ActorSystem first = system(RemotingTls.akkaConfig(config(brokerFiles(CA, "broker-1"))));
    ActorSystem second = system(RemotingTls.akkaConfig(config(brokerFiles(CA, "broker-2"))));
    ActorSystem plaintext = system(ConfigFactory.empty());
    ActorSystem otherCa = system(RemotingTls.akkaConfig(config(brokerFiles(OTHER_CA, "intruder"))));

    assertTrue(reaches(second, first, Duration.ofSeconds(20)));
    assertFalse(reaches(plaintext, first, Duration.ofSeconds(3)));
    assertFalse(reaches(otherCa, first, Duration.ofSeconds(3)));
  }

  private ActorSystem system(Config remoting) {
    Config config = remoting.withFallback(ConfigFactory.parseMap(Map.of(
        "akka.actor.provider", "remote",
        "akka.remote.artery.canonical.hostname", "127.0.0.1",
        "akka.remote.artery.canonical.port", 0,
        "akka.loglevel", "WARNING")))
        .withFallback(ConfigFactory.load());
    ActorSystem system = ActorSystem.create("skein", config);
    systems.add(system);
    return system;
  }

  /** Whether {@code from} can look up {@code to}'s user guardian over remoting within {@code timeout}. */
  private static boolean reaches(ActorSystem from, ActorSystem to, Duration timeout) throws InterruptedException {
    Address address = ((ExtendedActorSystem) to).provider().getDefaultAddress();
    try {
      Object reply = Patterns.ask(from.actorSelection(address + "/user"), new Identify(1), timeout)
          .toCompletableFuture().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      return reply instanceof ActorIdentity identity && identity.getActorRef().map(ActorRef::path).isPresent();
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }
}
