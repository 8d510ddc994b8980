package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS to PostgreSQL from skein.journal.tls: the driver properties it sets, and the settings it refuses at start-up. */
class JournalTlsTest {

  private static final String PROPERTIES = "akka-persistence-jdbc.shared-databases.slick.db.properties.";

  @TempDir
  Path dir;

  /** Settings of a PostgreSQL journal with TLS on, trusting ca.pem (which exists). */
  private Map<String, Object> postgresWithTls() throws Exception {
    Map<String, Object> settings = new HashMap<>();
    settings.put("akka-persistence-jdbc.shared-databases.slick.profile", "slick.jdbc.PostgresProfile$");
    settings.put("akka-persistence-jdbc.shared-databases.slick.db.url", "jdbc:postgresql://db.example:5432/skein");
    settings.put("akka-persistence-jdbc.shared-databases.slick.db.driver", "org.postgresql.Driver");
    settings.put("skein.journal.tls.enabled", true);
    settings.put("skein.journal.tls.trust", Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----")
        .toString());
    return settings;
  }

  /** The config a broker runs with, loaded as SkeinNode loads it. */
  private static Config loaded(Map<String, Object> settings) {
    return SkeinNode.loadConfig(Optional.empty(), settings);
  }

  private static String refusal(Map<String, Object> settings) {
    return assertThrows(ConfigException.class, () -> JournalTls.akkaConfig(loaded(settings))).getMessage();
  }

  @Test
  void offByDefaultTheDriverGetsNoSslProperties() {
    assertTrue(JournalTls.akkaConfig(loaded(Map.of())).isEmpty());
  }

  @Test
  void onItVerifiesTheServerByDefaultAgainstTheTrustedCa() throws Exception {
    Map<String, Object> settings = postgresWithTls();
    Config driver = JournalTls.akkaConfig(loaded(settings));
    assertEquals("true", driver.getString(PROPERTIES + "ssl"));
    assertEquals("verify-full", driver.getString(PROPERTIES + "sslmode"));
    assertEquals(settings.get("skein.journal.tls.trust"), driver.getString(PROPERTIES + "sslrootcert"));
    assertFalse(driver.hasPath(PROPERTIES + "sslcert"));
    assertFalse(driver.hasPath(PROPERTIES + "sslkey"));

    settings.put("skein.journal.tls.mode", "verify-ca");
    assertEquals("verify-ca", JournalTls.akkaConfig(loaded(settings)).getString(PROPERTIES + "sslmode"));
  }

  @Test
  void aClientCertificateIsPassedAsPemCertificateAndDerKeyOrAsOnePkcs12File() throws Exception {
    Map<String, Object> settings = postgresWithTls();
    settings.put("skein.journal.tls.certificate", Files.writeString(dir.resolve("client.pem"), "x").toString());
    settings.put("skein.journal.tls.private-key",
        Files.write(dir.resolve("client.pk8"), new byte[] {0x30, 0}).toString());
    Config driver = JournalTls.akkaConfig(loaded(settings));
    assertEquals(settings.get("skein.journal.tls.certificate"), driver.getString(PROPERTIES + "sslcert"));
    assertEquals(settings.get("skein.journal.tls.private-key"), driver.getString(PROPERTIES + "sslkey"));
    assertFalse(driver.hasPath(PROPERTIES + "sslpassword"));

    Map<String, Object> pkcs12 = postgresWithTls();
    pkcs12.put("skein.journal.tls.private-key", Files.write(dir.resolve("client.p12"), new byte[] {0x30}).toString());
    pkcs12.put("skein.journal.tls.private-key-password", "store-secret");
    Config fromStore = JournalTls.akkaConfig(loaded(pkcs12));
    assertEquals(pkcs12.get("skein.journal.tls.private-key"), fromStore.getString(PROPERTIES + "sslkey"));
    assertEquals("store-secret", fromStore.getString(PROPERTIES + "sslpassword"));
    assertFalse(fromStore.hasPath(PROPERTIES + "sslcert"));
  }

  @Test
  void aBrokerWhoseTrustFileIsMissingFailsToStartNamingIt() throws Exception {
    Map<String, Object> settings = postgresWithTls();
    settings.put("skein.data-dir", dir.resolve("data").toString());
    settings.put("skein.journal.tls.trust", dir.resolve("absent-ca.pem").toString());
    ConfigException refused = assertThrows(ConfigException.class, () -> SkeinNode.start(loaded(settings)));
    assertTrue(refused.getMessage().contains("skein.journal.tls.trust")
        && refused.getMessage().contains("absent-ca.pem") && refused.getMessage().contains("no such file"),
        refused.getMessage());
  }

  @Test
  void settingsThatCannotWorkAreRefusedAtStartUpNamingTheSettingOrFile() throws Exception {
    assertTrue(refusal(Map.of("skein.journal.tls.enabled", true)).contains("TLS to the journal is for PostgreSQL"));

    Map<String, Object> noTrust = postgresWithTls();
    noTrust.put("skein.journal.tls.trust", "");
    assertTrue(refusal(noTrust).contains("skein.journal.tls.trust"));

    Map<String, Object> missing = postgresWithTls();
    missing.put("skein.journal.tls.trust", dir.resolve("absent.pem").toString());
    String absent = refusal(missing);
    assertTrue(absent.contains("absent.pem") && absent.contains("no such file"), absent);

    Map<String, Object> require = postgresWithTls();
    require.put("skein.journal.tls.mode", "require");
    assertTrue(refusal(require).contains("must be one of [verify-full, verify-ca]"));

    Map<String, Object> urlMode = postgresWithTls();
    urlMode.put("akka-persistence-jdbc.shared-databases.slick.db.url",
        "jdbc:postgresql://db.example/skein?sslmode=require");
    assertTrue(refusal(urlMode).contains("TLS is set there, not in the URL"));

    Map<String, Object> pemKey = postgresWithTls();
    pemKey.put("skein.journal.tls.certificate", Files.writeString(dir.resolve("client.pem"), "x").toString());
    pemKey.put("skein.journal.tls.private-key",
        Files.writeString(dir.resolve("client.key"), "-----BEGIN PRIVATE KEY-----\n").toString());
    String pem = refusal(pemKey);
    assertTrue(pem.contains("client.key is PEM") && pem.contains("openssl pkcs8 -topk8 -nocrypt -outform DER"), pem);

    Map<String, Object> keyAlone = postgresWithTls();
    keyAlone.put("skein.journal.tls.private-key", Files.write(dir.resolve("alone.pk8"), new byte[] {0x30}).toString());
    assertTrue(refusal(keyAlone).contains("needs its certificate"));

    Map<String, Object> certificateAlone = postgresWithTls();
    certificateAlone.put("skein.journal.tls.certificate", Files.writeString(dir.resolve("c.pem"), "x").toString());
    assertTrue(refusal(certificateAlone).contains("needs its private key"));
  }
}
