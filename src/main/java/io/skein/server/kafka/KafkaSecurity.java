package io.skein.server.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.skein.security.SaslAuthenticator;
import io.skein.security.ServerTls;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How a Kafka listener secures its connections, by Kafka's security protocol names: PLAINTEXT,
 * SSL (TLS, optionally with client certificates), SASL_PLAINTEXT, SASL_SSL (SASL over TLS).
 *
 * @param tls present for SSL and SASL_SSL
 * @param sasl present for SASL_PLAINTEXT and SASL_SSL
 */
public record KafkaSecurity(SecurityProtocol protocol, Optional<ServerTls> tls, Optional<SaslAuthenticator> sasl) {

  private static final String KEY = "skein.kafka.security-protocol";

  /** No TLS, no authentication: the single-node quickstart's listener. */
  public static final KafkaSecurity PLAINTEXT =
      new KafkaSecurity(SecurityProtocol.PLAINTEXT, Optional.empty(), Optional.empty());

  public KafkaSecurity {
    if (usesTls(protocol) != tls.isPresent()) {
      throw new ConfigException.BadValue(KEY, protocol + (tls.isPresent()
          ? " does not use TLS, but TLS was given" : " needs TLS key material: set skein.security.tls"));
    }
    if (usesSasl(protocol) != sasl.isPresent()) {
      throw new ConfigException.BadValue(KEY, protocol + (sasl.isPresent()
          ? " does not use SASL, but SASL was given" : " needs SASL users: set skein.security.sasl"));
    }
  }

  /** The configured protocol; a name Kafka does not know is a clear configuration error. */
  public static SecurityProtocol protocol(Config root) {
    String name = root.getString(KEY).trim().toUpperCase(Locale.ROOT);
    return Arrays.stream(SecurityProtocol.values()).filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new ConfigException.BadValue(KEY, "\"" + root.getString(KEY)
            + "\" is not one of " + Arrays.toString(SecurityProtocol.values())));
  }

  public static boolean usesTls(SecurityProtocol protocol) {
    return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
  }

  public static boolean usesSasl(SecurityProtocol protocol) {
    return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
  }

  /** For the start-up log, e.g. "SASL_SSL (SCRAM-SHA-512, PLAIN), client certificates required". */
  public String describe() {
    StringBuilder out = new StringBuilder(protocol.name());
    sasl.ifPresent(s -> out.append(" (").append(String.join(", ", s.mechanisms())).append(")"));
    tls.ifPresent(t -> out.append(", client certificates ").append(t.clientAuth().name().toLowerCase(Locale.ROOT)));
    if (protocol == SecurityProtocol.PLAINTEXT) {
      out.append(": plaintext, without authentication");
    }
    return out.toString();
  }
}
