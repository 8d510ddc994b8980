package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key material from PEM files or PKCS12, clear errors for bad files, and reloading on change. */
class ServerTlsTest {

  private static final TestCertificates CA = TestCertificates.authority("Skein Test CA");

  @TempDir
  Path dir;

  private TlsSettings pem(ClientAuth clientAuth) {
    return new TlsSettings(Optional.of(dir.resolve("server.pem")), Optional.of(dir.resolve("server.key")),
        Optional.empty(), "", clientAuth == ClientAuth.NONE ? Optional.empty() : Optional.of(dir.resolve("ca.pem")),
        clientAuth, Duration.ofSeconds(10));
  }

  @Test
  void loadsPemFilesAndAPkcs12Keystore() throws Exception {
    TestCertificates.Issued server = CA.server("broker-1");
    TestCertificates.writePem(server, dir.resolve("server.pem"), dir.resolve("server.key"));
    TestCertificates.writePem(CA.ca(), dir.resolve("ca.pem"));
    try (ServerTls tls = ServerTls.start(pem(ClientAuth.REQUIRED))) {
      assertEquals(server.certificate(), tls.serverCertificate());
      assertTrue(tls.trustManager().isPresent());
      tls.nettyServerContext();
    }
    TestCertificates.writeKeyStore(server, dir.resolve("server.p12"));
    TlsSettings pkcs12 = new TlsSettings(Optional.empty(), Optional.empty(), Optional.of(dir.resolve("server.p12")),
        TestCertificates.STORE_PASSWORD, Optional.empty(), ClientAuth.NONE, Duration.ofSeconds(10));
    try (ServerTls tls = ServerTls.start(pkcs12)) {
      assertEquals(server.certificate(), tls.serverCertificate());
      assertFalse(tls.trustManager().isPresent());
    }
  }

  @Test
  void badFilesAndSettingsAreRefusedWithWhatIsWrong() throws Exception {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> ServerTls.start(pem(ClientAuth.NONE)));
    assertTrue(missing.getMessage().contains("server.pem"), missing.getMessage());

    TestCertificates.writePem(CA.server("broker-1"), dir.resolve("server.pem"), dir.resolve("server.key"));
    Files.writeString(dir.resolve("server.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    IllegalArgumentException pkcs1 = assertThrows(IllegalArgumentException.class,
        () -> ServerTls.start(pem(ClientAuth.NONE)));
    assertTrue(pkcs1.getMessage().contains("PKCS8"), pkcs1.getMessage());

    ConfigException clientAuthWithoutCa = assertThrows(ConfigException.class,
        () -> TlsSettings.from(ConfigFactory.parseMap(Map.of(
            "skein.security.tls.certificate", "a.pem", "skein.security.tls.private-key", "a.key",
            "skein.security.tls.client-auth", "required"))
            .withFallback(ConfigFactory.parseResources("skein-defaults.conf"))));
    assertTrue(clientAuthWithoutCa.getMessage().contains("trust"), clientAuthWithoutCa.getMessage());
    assertEquals(Optional.empty(), TlsSettings.from(ConfigFactory.parseResources("skein-defaults.conf")));
  }

  @Test
  void changedFilesAreReloadedAndABadChangeKeepsTheCurrentOnes() throws Exception {
    TestCertificates.Issued first = CA.server("first");
    Path certificate = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    TestCertificates.writePem(first, certificate, key);
    try (ServerTls tls = ServerTls.start(pem(ClientAuth.NONE))) {
      assertFalse(tls.reloadIfChanged(), "unchanged files are not read again");

      TestCertificates.Issued second = CA.server("second");
      TestCertificates.writePem(second, certificate, key);
      touch(certificate, key, 1);
      assertTrue(tls.reloadIfChanged());
      assertEquals(second.certificate(), tls.serverCertificate());

      // A certificate whose key is not the one on disk: refused, the second pair stays.
      TestCertificates.writePem(CA.server("third"), certificate, dir.resolve("other.key"));
      touch(certificate, key, 2);
      assertFalse(tls.reloadIfChanged());
      assertEquals(second.certificate(), tls.serverCertificate());
    }
  }

  /** Sets distinct modification times, as file systems with coarse clocks might not. */
  private static void touch(Path certificate, Path key, int minutesAhead) throws Exception {
    FileTime time = FileTime.from(Instant.now().plus(Duration.ofMinutes(minutesAhead)));
    Files.setLastModifiedTime(certificate, time);
    Files.setLastModifiedTime(key, time);
  }
}
