package io.skein.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.skein.security.SaslAuthenticator;
import io.skein.security.ServerTls;
import io.skein.security.TlsSettings;
import io.skein.server.grpc.GrpcSecurity;
import io.skein.server.kafka.KafkaSecurity;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The security of a broker's client listeners, from {@code skein.security},
 * {@code skein.kafka.security-protocol}, {@code skein.grpc.tls} and
 * {@code skein.grpc.authentication}: one TLS key material and one set of users for both APIs,
 * loaded only when a listener uses them.
 */
final class ListenerSecurity implements AutoCloseable {

  private final KafkaSecurity kafka;
  private final GrpcSecurity grpc;
  private final Optional<ServerTls> tls;

  private ListenerSecurity(KafkaSecurity kafka, GrpcSecurity grpc, Optional<ServerTls> tls) {
    this.kafka = kafka;
    this.grpc = grpc;
    this.tls = tls;
  }

  static ListenerSecurity from(Config root) {
    SecurityProtocol kafkaProtocol = KafkaSecurity.protocol(root);
    boolean grpcTls = root.getBoolean("skein.grpc.tls");
    boolean grpcAuthentication = switch (root.getString("skein.grpc.authentication").trim().toLowerCase(Locale.ROOT)) {
      case "none" -> false;
      case "basic" -> true;
      default -> throw new ConfigException.BadValue("skein.grpc.authentication",
          "must be none or basic, not \"" + root.getString("skein.grpc.authentication") + "\"");
    };
    boolean kafkaEnabled = root.getBoolean("skein.kafka.enabled");
    boolean kafkaTls = kafkaEnabled && KafkaSecurity.usesTls(kafkaProtocol);
    boolean kafkaSasl = kafkaEnabled && KafkaSecurity.usesSasl(kafkaProtocol);
    Optional<TlsSettings> tlsSettings = TlsSettings.from(root);
    if ((kafkaTls || grpcTls) && tlsSettings.isEmpty()) {
      throw new ConfigException.BadValue("skein.security.tls", (grpcTls ? "skein.grpc.tls = on" : kafkaProtocol
          + " on the Kafka listener") + " needs TLS key material: set certificate and private-key, or keystore");
    }
    Optional<SaslAuthenticator> sasl = kafkaSasl || grpcAuthentication
        ? Optional.of(SaslAuthenticator.from(root)) : Optional.empty();
    // Without users only gRPC over TLS has a way in: client certificates.
    if (sasl.isPresent() && sasl.get().users().size() == 0 && (kafkaSasl || !grpcTls)) {
      throw new ConfigException.BadValue("skein.security.sasl.users",
          "authentication is on but no user is configured: add users { name = password }");
    }
    Optional<ServerTls> tls = kafkaTls || grpcTls ? Optional.of(ServerTls.start(tlsSettings.get())) : Optional.empty();
    try {
      KafkaSecurity kafka = kafkaEnabled
          ? new KafkaSecurity(kafkaProtocol, kafkaTls ? tls : Optional.empty(), kafkaSasl ? sasl : Optional.empty())
          : KafkaSecurity.PLAINTEXT;
      GrpcSecurity grpc = new GrpcSecurity(grpcTls ? tls : Optional.empty(),
          grpcAuthentication ? sasl.map(SaslAuthenticator::users) : Optional.empty());
      return new ListenerSecurity(kafka, grpc, tls);
    } catch (RuntimeException e) {
      tls.ifPresent(ServerTls::close);
      throw e;
    }
  }

  KafkaSecurity kafka() {
    return kafka;
  }

  GrpcSecurity grpc() {
    return grpc;
  }

  /** Stops watching the TLS files. */
  @Override
  public void close() {
    tls.ifPresent(ServerTls::close);
  }
}
