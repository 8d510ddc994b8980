package io.skein.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The key material of one load of the files in {@link TlsSettings}: the server's key manager and,
 * when a CA is configured, the trust manager for client certificates. Any problem with a file is
 * an {@link IllegalArgumentException} naming the file and what is wrong with it.
 */
record TlsMaterial(X509ExtendedKeyManager keyManager, Optional<X509ExtendedTrustManager> trustManager,
    X509Certificate serverCertificate) {

  private static final Pattern PRIVATE_KEY = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final Pattern OTHER_KEY = Pattern.compile("-----BEGIN ([A-Z ]*PRIVATE KEY)-----");
  private static final String KEY_ALIAS = "skein";
  /** Key algorithms a PKCS8 key is tried with, in order. */
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

  static TlsMaterial load(TlsSettings settings) {
    KeyStore keys = settings.keystore().isPresent()
        ? pkcs12(settings.keystore().get(), settings.keystorePassword())
        : pemKeyStore(settings.certificate().get(), settings.privateKey().get());
    char[] password = settings.keystore().isPresent() ? settings.keystorePassword().toCharArray() : new char[0];
    try {
      KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(keys, password);
      X509ExtendedKeyManager keyManager = only(factory.getKeyManagers(), X509ExtendedKeyManager.class);
      Optional<X509ExtendedTrustManager> trust = settings.trust().map(TlsMaterial::trustManager);
      return new TlsMaterial(keyManager, trust, serverCertificate(keys));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use the TLS key: " + e.getMessage(), e);
    }
  }

  private static X509Certificate serverCertificate(KeyStore keys) throws GeneralSecurityException {
    for (String alias : Collections.list(keys.aliases())) {
      if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate certificate) {
        return certificate;
      }
    }
    throw new IllegalArgumentException("the keystore holds no private key with an X.509 certificate");
  }

  private static KeyStore pkcs12(Path file, String password) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the PKCS12 keystore " + file + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore pemKeyStore(Path certificateFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certificateFile);
    PrivateKey key = privateKey(keyFile);
    if (!belongTogether(key, chain.get(0))) {
      throw new IllegalArgumentException("the private key " + keyFile + " is not the key of the first certificate in "
          + certificateFile);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(KEY_ALIAS, key, new char[0], chain.toArray(Certificate[]::new));
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("the private key " + keyFile + " does not go with the certificate "
          + certificateFile + ": " + e.getMessage(), e);
    }
  }

  /** Whether the certificate's public key verifies what the private key signs. */
  private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm();
    };
    byte[] probe = "skein key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509ExtendedTrustManager trustManager(Path caFile) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int n = 0;
      for (X509Certificate ca : certificates(caFile)) {
        store.setCertificateEntry("ca-" + n++, ca);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      return only(factory.getTrustManagers(), X509ExtendedTrustManager.class);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use the CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** The PEM certificates of {@code file}, in file order; at least one. */
  static List<X509Certificate> certificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate certificate : read) {
        certificates.add((X509Certificate) certificate);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate in " + file);
      }
      return certificates;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the PEM certificates in " + file + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
    }
    Matcher matcher = PRIVATE_KEY.matcher(pem);
    if (!matcher.find()) {
      Matcher other = OTHER_KEY.matcher(pem);
      throw new IllegalArgumentException(other.find()
          ? file + " holds a " + other.group(1) + "; give an unencrypted PKCS8 key (BEGIN PRIVATE KEY), e.g. from"
              + " `openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + "`"
          : "no PEM private key (BEGIN PRIVATE KEY) in " + file);
    }
    byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException notThisAlgorithm) {
        // the next algorithm may read it
      }
    }
    throw new IllegalArgumentException("the private key in " + file + " is not an RSA, EC or EdDSA PKCS8 key");
  }

  private static <T> T only(Object[] managers, Class<T> type) {
    for (Object manager : managers) {
      if (type.isInstance(manager)) {
        return type.cast(manager);
      }
    }
    throw new IllegalStateException("the JDK offers no " + type.getSimpleName());
  }
}
