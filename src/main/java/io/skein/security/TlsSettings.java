package io.skein.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code skein.security.tls} section: the server's key and certificate (PEM files, or a
 * PKCS12 keystore), the CA that client certificates must chain to, whether clients must present
 * one, and how often the files are checked for changes.
 *
 * @param certificate PEM certificate chain, the server's own first; empty with a keystore
 * @param privateKey PEM private key in PKCS8 ({@code BEGIN PRIVATE KEY}); empty with a keystore
 * @param keystore PKCS12 file with the key and its chain; empty with PEM files
 * @param trust PEM file of the CA certificates client certificates are checked against; empty:
 *     no client certificates (client-auth must then be none)
 */
public record TlsSettings(
    Optional<Path> certificate,
    Optional<Path> privateKey,
    Optional<Path> keystore,
    String keystorePassword,
    Optional<Path> trust,
    ClientAuth clientAuth,
    Duration reloadInterval) {

  private static final String SECTION = "skein.security.tls";

  public TlsSettings {
    if (keystore.isPresent() == (certificate.isPresent() || privateKey.isPresent())) {
      throw new ConfigException.BadValue(SECTION,
          "give either certificate and private-key (PEM) or keystore (PKCS12), not both or neither");
    }
    if (keystore.isEmpty() && (certificate.isEmpty() || privateKey.isEmpty())) {
      throw new ConfigException.BadValue(SECTION, "certificate and private-key go together");
    }
    if (clientAuth != ClientAuth.NONE && trust.isEmpty()) {
      throw new ConfigException.BadValue(SECTION + ".client-auth",
          "client-auth " + clientAuth.name().toLowerCase() + " needs trust, the CA file client certificates are checked against");
    }
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new ConfigException.BadValue(SECTION + ".reload-interval", "must be > 0");
    }
  }

  /** The section's settings, or empty when no key material is configured (TLS off). */
  public static Optional<TlsSettings> from(Config root) {
    Config c = root.getConfig(SECTION);
    Optional<Path> certificate = path(c, "certificate");
    Optional<Path> privateKey = path(c, "private-key");
    Optional<Path> keystore = path(c, "keystore");
    if (certificate.isEmpty() && privateKey.isEmpty() && keystore.isEmpty()) {
      return Optional.empty();
    }
    ClientAuth clientAuth;
    try {
      clientAuth = ClientAuth.parse(c.getString("client-auth"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue(SECTION + ".client-auth", e.getMessage());
    }
    return Optional.of(new TlsSettings(certificate, privateKey, keystore, c.getString("keystore-password"),
        path(c, "trust"), clientAuth, c.getDuration("reload-interval")));
  }

  /** Every file the key material is read from, to watch for changes. */
  public List<Path> files() {
    List<Path> files = new ArrayList<>();
    certificate.ifPresent(files::add);
    privateKey.ifPresent(files::add);
    keystore.ifPresent(files::add);
    trust.ifPresent(files::add);
    return files;
  }

  private static Optional<Path> path(Config c, String key) {
    String value = c.getString(key).trim();
    return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
  }
}
