package io.skein.security;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at run time for tests: a CA, and server and client certificates it signs,
 * written as PEM files (certificate chain, PKCS8 key) and PKCS12 stores for kafka-clients.
 */
public final class TestCertificates {

  public static final String STORE_PASSWORD = "test-store-password";
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A key and its certificate, with the CA that signed it. */
  public record Issued(KeyPair keys, X509Certificate certificate, X509Certificate ca) {

    public String subject() {
      return certificate.getSubjectX500Principal().getName();
    }
  }

  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final String keyAlgorithm;

  private TestCertificates(KeyPair caKeys, X509Certificate ca, String keyAlgorithm) {
    this.caKeys = caKeys;
    this.ca = ca;
    this.keyAlgorithm = keyAlgorithm;
  }

  /** A new CA named {@code CN=name}, with EC keys for it and what it issues. */
  public static TestCertificates authority(String name) {
    return authority(name, "EC");
  }

  /** A new CA named {@code CN=name} with RSA keys, as Akka's TLS between brokers needs. */
  public static TestCertificates rsaAuthority(String name) {
    return authority(name, "RSA");
  }

  private static TestCertificates authority(String name, String keyAlgorithm) {
    KeyPair keys = keys(keyAlgorithm);
    X500Principal subject = new X500Principal("CN=" + name + ",O=Skein Tests");
    return new TestCertificates(keys, sign(subject, keys, subject, keys.getPrivate(), true), keyAlgorithm);
  }

  public X509Certificate ca() {
    return ca;
  }

  /** A server certificate for loopback (127.0.0.1 and localhost). */
  public Issued server(String commonName) {
    KeyPair keys = keys(keyAlgorithm);
    return new Issued(keys, sign(new X500Principal("CN=" + commonName + ",O=Skein Tests"), keys,
        ca.getSubjectX500Principal(), caKeys.getPrivate(), false), ca);
  }

  /** A client certificate with subject {@code dn}. */
  public Issued client(String dn) {
    Instant now = Instant.now();
    return client(dn, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(1)));
  }

  /** A client certificate of this CA that expired yesterday. */
  public Issued expiredClient(String dn) {
    Instant now = Instant.now();
    return client(dn, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
  }

  private Issued client(String dn, Instant notBefore, Instant notAfter) {
    KeyPair keys = keys(keyAlgorithm);
    return new Issued(keys, sign(new X500Principal(dn), keys, ca.getSubjectX500Principal(), caKeys.getPrivate(), false,
        notBefore, notAfter), ca);
  }

  /**
   * A server certificate of this CA in {@code dir}: server.pem and server.key, with ca.pem and
   * truststore.p12 for clients; returns the broker settings that use them.
   */
  public Map<String, Object> writeServerFiles(Path dir) throws IOException {
    writePem(server("broker"), dir.resolve("server.pem"), dir.resolve("server.key"));
    writePem(ca, dir.resolve("ca.pem"));
    writeTrustStore(ca, dir.resolve("truststore.p12"));
    return Map.of(
        "skein.security.tls.certificate", dir.resolve("server.pem").toString(),
        "skein.security.tls.private-key", dir.resolve("server.key").toString());
  }

  /**
   * {@link #writeServerFiles} and the broker settings for gRPC over TLS with Basic authentication,
   * one user: alice, password alice-secret.
   */
  public Map<String, Object> writeSecureGrpcSettings(Path dir) throws IOException {
    Map<String, Object> settings = new HashMap<>(writeServerFiles(dir));
    settings.put("skein.grpc.tls", true);
    settings.put("skein.grpc.authentication", "basic");
    settings.put("skein.security.sasl.users.alice", "alice-secret");
    return settings;
  }

  /** A client's TLS context trusting this CA, presenting {@code client}'s certificate if given. */
  public SSLContext clientContext(Optional<Issued> client) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trust);
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      if (client.isPresent()) {
        keys.setKeyEntry("client", client.get().keys().getPrivate(), new char[0],
            new Certificate[] {client.get().certificate(), client.get().ca()});
      }
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
      keyManagers.init(keys, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the certificate chain and the PKCS8 key as PEM files. */
  public static void writePem(Issued issued, Path certificateFile, Path keyFile) throws IOException {
    Files.writeString(certificateFile, pem("CERTIFICATE", encoded(issued.certificate())) + pem("CERTIFICATE",
        encoded(issued.ca())), StandardCharsets.US_ASCII);
    Files.writeString(keyFile, pem("PRIVATE KEY", issued.keys().getPrivate().getEncoded()), StandardCharsets.US_ASCII);
  }

  public static void writePem(X509Certificate certificate, Path file) throws IOException {
    Files.writeString(file, pem("CERTIFICATE", encoded(certificate)), StandardCharsets.US_ASCII);
  }

  /** A PKCS12 keystore with the key and its chain, password {@link #STORE_PASSWORD}. */
  public static void writeKeyStore(Issued issued, Path file) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("key", issued.keys().getPrivate(), STORE_PASSWORD.toCharArray(),
          new Certificate[] {issued.certificate(), issued.ca()});
      write(store, file);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS12 truststore holding {@code ca}, password {@link #STORE_PASSWORD}. */
  public static void writeTrustStore(X509Certificate ca, Path file) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("ca", ca);
      write(store, file);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(KeyStore store, Path file) throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, STORE_PASSWORD.toCharArray());
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keys(String algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      generator.initialize(algorithm.equals("RSA") ? 2048 : 256);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X500Principal subject, KeyPair subjectKeys, X500Principal issuer,
      PrivateKey issuerKey, boolean isCa) {
    Instant now = Instant.now();
    return sign(subject, subjectKeys, issuer, issuerKey, isCa, now.minus(Duration.ofMinutes(5)),
        now.plus(Duration.ofDays(1)));
  }

  private static X509Certificate sign(X500Principal subject, KeyPair subjectKeys, X500Principal issuer,
      PrivateKey issuerKey, boolean isCa, Instant notBefore, Instant notAfter) {
    try {
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
          BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
          subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
      if (!isCa) {
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
      }
      String signature = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(signature).build(issuerKey)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    }
  }
}
