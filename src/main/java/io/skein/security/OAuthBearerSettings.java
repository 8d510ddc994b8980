package io.skein.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code skein.security.oauthbearer} section: how bearer tokens (JWTs) are checked, for SASL
 * OAUTHBEARER on the Kafka listener and {@code authorization: Bearer} on gRPC.
 *
 * @param jwksFile the JWK set of the issuer's public keys, read again when it changes
 * @param expectedIssuer the {@code iss} tokens must have; empty: not checked
 * @param expectedAudience a token's {@code aud} must name one of these; empty: not checked
 * @param subClaimName the claim naming the principal, as Kafka's {@code sasl.oauthbearer.sub.claim.name}
 * @param clockSkew allowed on exp, nbf and iat, as Kafka's {@code sasl.oauthbearer.clock.skew.seconds}
 * @param reloadInterval how often the file's modification time is checked
 */
public record OAuthBearerSettings(
    Path jwksFile,
    Optional<String> expectedIssuer,
    List<String> expectedAudience,
    String subClaimName,
    Duration clockSkew,
    Duration reloadInterval) {

  static final String SECTION = "skein.security.oauthbearer";

  public OAuthBearerSettings {
    expectedAudience = List.copyOf(expectedAudience);
    if (subClaimName.isBlank()) {
      throw new ConfigException.BadValue(SECTION + ".sub-claim-name", "must name a claim");
    }
    if (clockSkew.isNegative()) {
      throw new ConfigException.BadValue(SECTION + ".clock-skew", "must be >= 0");
    }
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new ConfigException.BadValue(SECTION + ".reload-interval", "must be > 0");
    }
  }

  /** The section's settings, or empty when no JWKS file is configured (bearer tokens off). */
  public static Optional<OAuthBearerSettings> from(Config root) {
    Config c = root.getConfig(SECTION);
    String jwksFile = c.getString("jwks-file").trim();
    if (jwksFile.isEmpty()) {
      return Optional.empty();
    }
    String issuer = c.getString("expected-issuer").trim();
    return Optional.of(new OAuthBearerSettings(Path.of(jwksFile), issuer.isEmpty() ? Optional.empty()
        : Optional.of(issuer), c.getStringList("expected-audience"), c.getString("sub-claim-name").trim(),
        c.getDuration("clock-skew"), c.getDuration("reload-interval")));
  }
}
