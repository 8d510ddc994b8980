package io.skein.node;

import akka.pki.pem.DERPrivateKeyLoader;
import akka.pki.pem.PEMDecoder;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

/**
 * Akka remoting between brokers over TLS, from {@code skein.cluster.tls}: Artery's
 * {@code tls-tcp} transport with its rotating-keys engine, which reads PEM files (as cert-manager
 * writes them) again once its cached context expires, requires a certificate of the cluster CA
 * from both peers, and accepts a peer only if its certificate shares a subject name (CN or SAN)
 * with this broker's. The files are checked here, at start-up, because Akka reads them only when
 * the first connection opens and then fails it with a bare exception.
 */
final class RemotingTls {

  private static final String SECTION = "skein.cluster.tls";
  private static final String ENGINE = "akka.remote.artery.ssl.rotating-keys-engine";

  private RemotingTls() {
  }

  /** The Akka settings of remoting over TLS, or an empty config when {@code skein.cluster.tls.enabled} is off. */
  static Config akkaConfig(Config root) {
    Config c = root.getConfig(SECTION);
    if (!c.getBoolean("enabled")) {
      return ConfigFactory.empty();
    }
    Config clientTls = root.getConfig("skein.security.tls");
    Path certificate = file(c, clientTls, "certificate");
    Path privateKey = file(c, clientTls, "private-key");
    Path trust = file(c, clientTls, "trust");
    X509Certificate ca = certificate(trust, "trust");
    X509Certificate own = certificate(certificate, "certificate");
    checkIssuedBy(own, certificate, ca, trust);
    checkRsaKey(privateKey);
    Duration reread = clientTls.getDuration("reload-interval");
    return ConfigFactory.parseMap(Map.of(
        "akka.remote.artery.transport", "tls-tcp",
        "akka.remote.artery.ssl.ssl-engine-provider", "akka.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        ENGINE + ".cert-file", certificate.toString(),
        ENGINE + ".key-file", privateKey.toString(),
        ENGINE + ".ca-cert-file", trust.toString(),
        ENGINE + ".ssl-context-cache-ttl", reread.toMillis() + " ms"));
  }

  /** The section's own file, or else the one of {@code skein.security.tls}; it must be readable. */
  private static Path file(Config section, Config clientTls, String key) {
    String own = section.getString(key).trim();
    String value = own.isEmpty() ? clientTls.getString(key).trim() : own;
    if (value.isEmpty()) {
      throw new ConfigException.BadValue(SECTION + "." + key, "TLS between brokers needs a PEM " + key
          + ": set " + SECTION + "." + key + " or skein.security.tls." + key
          + (clientTls.getString("keystore").isBlank() ? "" : " (a PKCS12 keystore is not used between brokers)"));
    }
    Path path = Path.of(value);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException.BadValue(SECTION + "." + key, "cannot read " + path + " (" + key
          + " of TLS between brokers): " + (Files.exists(path) ? "not a readable file" : "no such file"));
    }
    return path;
  }

  private static X509Certificate certificate(Path file, String key) {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException.BadValue(SECTION + "." + key, file + " is not a PEM certificate: " + e.getMessage());
    }
  }

  /** Akka's engine trusts the CA file's first certificate only, so it must have signed the broker's directly. */
  private static void checkIssuedBy(X509Certificate own, Path certificate, X509Certificate ca, Path trust) {
    try {
      own.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new ConfigException.BadValue(SECTION + ".certificate", certificate + " is not signed by the CA in "
          + trust + " (" + ca.getSubjectX500Principal().getName() + "); brokers need a certificate the cluster CA"
          + " issued directly");
    }
  }

  /** Akka's engine reads RSA keys only (PKCS1 or unencrypted PKCS8). */
  private static void checkRsaKey(Path file) {
    try {
      DERPrivateKeyLoader.load(PEMDecoder.decode(Files.readString(file, StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      // Akka's loader, the one the engine uses; from Scala, so its key-spec exceptions are undeclared.
      throw new ConfigException.BadValue(SECTION + ".private-key", file + " is not an RSA private key in PEM"
          + " (PKCS1 \"BEGIN RSA PRIVATE KEY\" or unencrypted PKCS8 \"BEGIN PRIVATE KEY\"), which TLS between"
          + " brokers needs: " + e.getMessage());
    }
  }
}
