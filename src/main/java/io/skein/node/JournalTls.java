package io.skein.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * TLS of the journal's connections to PostgreSQL, from {@code skein.journal.tls}: the PostgreSQL
 * JDBC driver's own SSL properties ({@code sslmode}, {@code sslrootcert}, and a client certificate
 * for servers that ask for one), given to it through Slick's {@code db.properties}. The files are
 * checked here, at start-up, because the driver reads them only when the pool opens its first
 * connection and then retries with the same bare error for as long as the broker runs.
 */
final class JournalTls {

  private static final String SECTION = "skein.journal.tls";
  private static final String DATABASE = "akka-persistence-jdbc.shared-databases.slick.db";
  private static final String PROPERTIES = DATABASE + ".properties.";
  /** The modes that check the server's certificate; "require" alone would let anyone in the middle read the journal. */
  private static final List<String> MODES = List.of("verify-full", "verify-ca");
  /** The driver's TLS parameters in a JDBC URL's query: they would win over the properties set here. */
  private static final Pattern SSL_IN_URL = Pattern.compile("[?&]ssl[a-z]*=", Pattern.CASE_INSENSITIVE);

  private JournalTls() {
  }

  /** The driver properties of TLS to PostgreSQL, or an empty config when {@code skein.journal.tls.enabled} is off. */
  static Config akkaConfig(Config root) {
    Config c = root.getConfig(SECTION);
    if (!c.getBoolean("enabled")) {
      return ConfigFactory.empty();
    }
    String driver = root.getString(DATABASE + ".driver");
    if (!driver.equals("org.postgresql.Driver")) {
      throw new ConfigException.BadValue(SECTION + ".enabled", "TLS to the journal is for PostgreSQL"
          + " (" + DATABASE + ".driver = org.postgresql.Driver), not " + driver);
    }
    String url = root.getString(DATABASE + ".url");
    if (SSL_IN_URL.matcher(url).find()) {
      throw new ConfigException.BadValue(DATABASE + ".url", "with " + SECTION + " on, TLS is set there, not in the"
          + " URL (the driver would take the URL's ssl parameters over it): " + url);
    }
    String mode = c.getString("mode").trim().toLowerCase(Locale.ROOT);
    if (!MODES.contains(mode)) {
      throw new ConfigException.BadValue(SECTION + ".mode", "must be one of " + MODES + ", not " + c.getString("mode"));
    }
    Map<String, Object> properties = new HashMap<>();
    properties.put(PROPERTIES + "ssl", "true");
    properties.put(PROPERTIES + "sslmode", mode);
    properties.put(PROPERTIES + "sslrootcert", file(c, "trust").toString());
    String certificate = c.getString("certificate").trim();
    String key = c.getString("private-key").trim();
    if (!key.isEmpty()) {
      Path keyFile = file(c, "private-key");
      boolean pkcs12 = isPkcs12(keyFile);
      if (!pkcs12 && certificate.isEmpty()) {
        throw new ConfigException.BadValue(SECTION + ".certificate", "a client key in PKCS-8 DER needs its"
            + " certificate; or give a PKCS-12 file (.p12, .pfx) holding both as " + SECTION + ".private-key");
      }
      if (!pkcs12) {
        checkDer(keyFile);
        properties.put(PROPERTIES + "sslcert", file(c, "certificate").toString());
      }
      properties.put(PROPERTIES + "sslkey", keyFile.toString());
      String password = c.getString("private-key-password");
      if (!password.isEmpty()) {
        properties.put(PROPERTIES + "sslpassword", password);
      }
    } else if (!certificate.isEmpty()) {
      throw new ConfigException.BadValue(SECTION + ".private-key", "a client certificate needs its private key");
    }
    return ConfigFactory.parseMap(properties);
  }

  private static Path file(Config section, String key) {
    String value = section.getString(key).trim();
    if (value.isEmpty()) {
      throw new ConfigException.BadValue(SECTION + "." + key, "TLS to PostgreSQL needs " + SECTION + "." + key);
    }
    Path path = Path.of(value);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException.BadValue(SECTION + "." + key, "cannot read " + path + " (" + key
          + " of TLS to PostgreSQL): " + (Files.exists(path) ? "not a readable file" : "no such file"));
    }
    return path;
  }

  /** The driver takes a PKCS-12 file by its name. */
  private static boolean isPkcs12(Path key) {
    String name = key.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".p12") || name.endsWith(".pfx");
  }

  /** The driver reads other keys as PKCS-8 DER only: a PEM one fails each connection with a bare parse error. */
  private static void checkDer(Path key) {
    try {
      if (Files.readString(key, StandardCharsets.ISO_8859_1).startsWith("-----BEGIN")) {
        throw new ConfigException.BadValue(SECTION + ".private-key", key + " is PEM; the PostgreSQL driver reads"
            + " PKCS-8 DER (convert it: openssl pkcs8 -topk8 -nocrypt -outform DER -in " + key.getFileName()
            + " -out client.pk8) or a PKCS-12 file (.p12)");
      }
    } catch (IOException e) {
      throw new ConfigException.BadValue(SECTION + ".private-key", "cannot read " + key + ": " + e.getMessage());
    }
  }
}
