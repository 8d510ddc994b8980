package io.skein.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.skein.security.JwksFile;
import io.skein.security.JwtValidator;
import io.skein.security.OAuthBearerServerExchange;
import io.skein.security.OAuthBearerSettings;
import io.skein.security.SaslAuthenticator;
import io.skein.security.ScramCredential;
import io.skein.security.ScramMechanism;
import io.skein.security.UserCredentials;
import io.skein.security.ServerTls;
import io.skein.security.TlsSettings;
import io.skein.server.grpc.GrpcAuthentication;
import io.skein.server.grpc.GrpcSecurity;
import io.skein.server.kafka.KafkaSecurity;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The security of a broker's client listeners, from {@code skein.security},
 * {@code skein.kafka.security-protocol}, {@code skein.grpc.tls} and
 * {@code skein.grpc.authentication}: one TLS key material for both APIs and the management
 * endpoint ({@code skein.management.tls}), loaded only when one of them uses it, one copy of
 * the cluster's users, which both APIs check, and one JWKS file ({@code skein.security.oauthbearer})
 * for the bearer tokens of both, read only when OAUTHBEARER or gRPC bearer tokens are on.
 */
final class ListenerSecurity implements AutoCloseable {

  private final KafkaSecurity kafka;
  private final GrpcSecurity grpc;
  private final Optional<ServerTls> tls;
  private final Optional<ServerTls> management;
  private final Optional<JwksFile> jwks;
  private final UserCredentials users;
  private final Map<String, Map<ScramMechanism, ScramCredential>> configuredUsers;
  private final boolean needsUsers;
  private final boolean passwords;

  private ListenerSecurity(KafkaSecurity kafka, GrpcSecurity grpc, Optional<ServerTls> tls,
      Optional<ServerTls> management, Optional<JwksFile> jwks, UserCredentials users,
      Map<String, Map<ScramMechanism, ScramCredential>> configuredUsers, boolean needsUsers, boolean passwords) {
    this.kafka = kafka;
    this.grpc = grpc;
    this.tls = tls;
    this.management = management;
    this.jwks = jwks;
    this.users = users;
    this.configuredUsers = configuredUsers;
    this.needsUsers = needsUsers;
    this.passwords = passwords;
  }

  static ListenerSecurity from(Config root) {
    SecurityProtocol kafkaProtocol = KafkaSecurity.protocol(root);
    boolean grpcTls = root.getBoolean("skein.grpc.tls");
    Set<GrpcAuthentication> grpcSchemes = GrpcAuthentication.from(root);
    boolean grpcAuthentication = !grpcSchemes.isEmpty();
    boolean grpcBasic = grpcSchemes.contains(GrpcAuthentication.BASIC);
    boolean grpcBearer = grpcSchemes.contains(GrpcAuthentication.BEARER);
    boolean kafkaEnabled = root.getBoolean("skein.kafka.enabled");
    boolean kafkaTls = kafkaEnabled && KafkaSecurity.usesTls(kafkaProtocol);
    boolean kafkaSasl = kafkaEnabled && KafkaSecurity.usesSasl(kafkaProtocol);
    List<String> kafkaMechanisms = kafkaSasl ? SaslAuthenticator.configuredMechanisms(root) : List.of();
    boolean kafkaOAuthBearer = kafkaMechanisms.contains(OAuthBearerServerExchange.MECHANISM);
    boolean kafkaPasswords = kafkaMechanisms.stream().anyMatch(m -> !m.equals(OAuthBearerServerExchange.MECHANISM));
    Optional<OAuthBearerSettings> oauthBearer = OAuthBearerSettings.from(root);
    if ((kafkaOAuthBearer || grpcBearer) && oauthBearer.isEmpty()) {
      throw new ConfigException.BadValue("skein.security.oauthbearer.jwks-file",
          (kafkaOAuthBearer ? "SASL OAUTHBEARER" : "gRPC bearer tokens") + " need the JWKS file of the keys tokens"
              + " are signed with");
    }
    boolean managementTls = NodeManagement.runs(root) && root.getBoolean("skein.management.tls");
    Optional<TlsSettings> tlsSettings = TlsSettings.from(root);
    if ((kafkaTls || grpcTls || managementTls) && tlsSettings.isEmpty()) {
      String user = grpcTls ? "skein.grpc.tls = on"
          : kafkaTls ? kafkaProtocol + " on the Kafka listener" : "skein.management.tls = on";
      throw new ConfigException.BadValue("skein.security.tls",
          user + " needs TLS key material: set certificate and private-key, or keystore");
    }
    UserCredentials users = new UserCredentials();
    Map<String, Map<ScramMechanism, ScramCredential>> configuredUsers = SaslAuthenticator.configuredUsers(root);
    // Without users only tokens, and client certificates over gRPC TLS, get in.
    boolean needsUsers = (kafkaSasl && !kafkaOAuthBearer) || (grpcBasic && !grpcBearer && !grpcTls);
    Optional<JwksFile> jwks = kafkaOAuthBearer || grpcBearer
        ? Optional.of(JwksFile.start(oauthBearer.get())) : Optional.empty();
    Optional<ServerTls> tls;
    try {
      tls = kafkaTls || grpcTls || managementTls ? Optional.of(ServerTls.start(tlsSettings.get())) : Optional.empty();
    } catch (RuntimeException e) {
      jwks.ifPresent(JwksFile::close);
      throw e;
    }
    try {
      Optional<JwtValidator> bearerTokens = jwks.map(keys -> new JwtValidator(keys, oauthBearer.get(), Clock.systemUTC()));
      Optional<SaslAuthenticator> sasl = kafkaSasl || grpcAuthentication
          ? Optional.of(SaslAuthenticator.from(root, users, kafkaOAuthBearer ? bearerTokens : Optional.empty()))
          : Optional.empty();
      KafkaSecurity kafka = kafkaEnabled
          ? new KafkaSecurity(kafkaProtocol, kafkaTls ? tls : Optional.empty(), kafkaSasl ? sasl : Optional.empty())
          : KafkaSecurity.PLAINTEXT;
      GrpcSecurity grpc = new GrpcSecurity(grpcTls ? tls : Optional.empty(),
          grpcBasic ? sasl.map(SaslAuthenticator::users) : Optional.empty(),
          grpcBearer ? bearerTokens : Optional.empty());
      return new ListenerSecurity(kafka, grpc, tls, managementTls ? tls : Optional.empty(), jwks, users,
          configuredUsers, needsUsers, kafkaPasswords || grpcBasic);
    } catch (RuntimeException e) {
      tls.ifPresent(ServerTls::close);
      jwks.ifPresent(JwksFile::close);
      throw e;
    }
  }

  KafkaSecurity kafka() {
    return kafka;
  }

  GrpcSecurity grpc() {
    return grpc;
  }

  /** The management endpoint's TLS (the listeners' certificate); empty: plain HTTP. */
  Optional<ServerTls> management() {
    return management;
  }

  /** This node's copy of the cluster's users, which the listeners check; empty until the user store fills it. */
  UserCredentials users() {
    return users;
  }

  /** The users the web console logs in: the listeners', if either authenticates with passwords. */
  Optional<UserCredentials> consoleUsers() {
    return passwords ? Optional.of(users) : Optional.empty();
  }

  /** The users of the configuration, salted: the seed of the cluster's users. */
  Map<String, Map<ScramMechanism, ScramCredential>> configuredUsers() {
    return configuredUsers;
  }

  /**
   * Refuses a broker whose listeners authenticate with passwords when the cluster has no user
   * (once this node's copy is loaded): nobody could get in but with a client certificate.
   */
  void checkUsers() {
    if (needsUsers && users.size() == 0) {
      throw new ConfigException.BadValue("skein.security.sasl.users", "authentication is on but the cluster has"
          + " no user: add users { name = password } to the configuration (or add one with skein users or"
          + " kafka-configs through a listener that needs none)");
    }
  }

  /** Stops watching the TLS and JWKS files. */
  @Override
  public void close() {
    tls.ifPresent(ServerTls::close);
    jwks.ifPresent(JwksFile::close);
  }
}
