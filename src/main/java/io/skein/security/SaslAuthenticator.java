package io.skein.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code skein.security.sasl} section made usable: the enabled mechanisms, in the order a
 * client is told them, and the users they check (OAUTHBEARER: the bearer tokens, with
 * {@code skein.security.oauthbearer}); and the configured users, the seed of the cluster's users.
 */
public final class SaslAuthenticator {

  private static final String SECTION = "skein.security.sasl";
  private static final List<String> KNOWN = List.of(
      ScramMechanism.SCRAM_SHA_512.mechanismName(), ScramMechanism.SCRAM_SHA_256.mechanismName(),
      PlainServerExchange.MECHANISM, OAuthBearerServerExchange.MECHANISM);

  private final List<String> mechanisms;
  private final UserCredentials users;
  private final Optional<JwtValidator> bearerTokens;

  public SaslAuthenticator(List<String> mechanisms, UserCredentials users) {
    this(mechanisms, users, Optional.empty());
  }

  /** {@code bearerTokens}: how OAUTHBEARER checks tokens, required when it is enabled. */
  public SaslAuthenticator(List<String> mechanisms, UserCredentials users, Optional<JwtValidator> bearerTokens) {
    for (String mechanism : mechanisms) {
      if (!KNOWN.contains(mechanism)) {
        throw new ConfigException.BadValue(SECTION + ".mechanisms",
            "unknown SASL mechanism \"" + mechanism + "\"; known: " + String.join(", ", KNOWN));
      }
    }
    if (mechanisms.isEmpty()) {
      throw new ConfigException.BadValue(SECTION + ".mechanisms", "enable at least one of " + String.join(", ", KNOWN));
    }
    if (mechanisms.contains(OAuthBearerServerExchange.MECHANISM) && bearerTokens.isEmpty()) {
      throw new ConfigException.BadValue(OAuthBearerSettings.SECTION + ".jwks-file",
          OAuthBearerServerExchange.MECHANISM + " needs the JWKS file of the keys its tokens are signed with");
    }
    this.mechanisms = List.copyOf(mechanisms);
    this.users = users;
    this.bearerTokens = bearerTokens;
  }

  /** The enabled mechanisms, from the configuration. */
  public static List<String> configuredMechanisms(Config root) {
    return new ArrayList<>(root.getConfig(SECTION).getStringList("mechanisms"));
  }

  /** Reads the enabled mechanisms; they check {@code users}, this node's copy of the cluster's users. */
  public static SaslAuthenticator from(Config root, UserCredentials users) {
    return from(root, users, Optional.empty());
  }

  /** As {@link #from(Config, UserCredentials)}, OAUTHBEARER checking tokens with {@code bearerTokens}. */
  public static SaslAuthenticator from(Config root, UserCredentials users, Optional<JwtValidator> bearerTokens) {
    return new SaslAuthenticator(configuredMechanisms(root), users, bearerTokens);
  }

  /**
   * The users of the section's {@code users}, the seed of the cluster's users, each password
   * salted here into a credential per mechanism with {@code scram-iterations}.
   */
  public static Map<String, Map<ScramMechanism, ScramCredential>> configuredUsers(Config root) {
    Config c = root.getConfig(SECTION);
    Map<String, String> passwords = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> user : c.getObject("users").entrySet()) {
      if (user.getValue().valueType() != ConfigValueType.STRING) {
        throw new ConfigException.BadValue(SECTION + ".users." + user.getKey(), "the password must be a string");
      }
      passwords.put(user.getKey(), (String) user.getValue().unwrapped());
    }
    int iterations = c.getInt("scram-iterations");
    if (iterations < ScramMechanism.MIN_ITERATIONS || iterations > ScramMechanism.MAX_ITERATIONS) {
      throw new ConfigException.BadValue(SECTION + ".scram-iterations",
          "must be between " + ScramMechanism.MIN_ITERATIONS + " and " + ScramMechanism.MAX_ITERATIONS);
    }
    try {
      return UserCredentials.salt(passwords, iterations);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue(SECTION + ".users", e.getMessage());
    }
  }

  /** The enabled mechanisms' names. */
  public List<String> mechanisms() {
    return mechanisms;
  }

  public UserCredentials users() {
    return users;
  }

  /** A new exchange of {@code mechanism}; empty if it is not enabled. */
  public Optional<SaslServerExchange> start(String mechanism) {
    if (!mechanisms.contains(mechanism)) {
      return Optional.empty();
    }
    if (mechanism.equals(PlainServerExchange.MECHANISM)) {
      return Optional.of(new PlainServerExchange(users));
    }
    if (mechanism.equals(OAuthBearerServerExchange.MECHANISM)) {
      return bearerTokens.map(OAuthBearerServerExchange::new);
    }
    return ScramMechanism.forName(mechanism).map(scram -> new ScramServerExchange(scram, users));
  }
}
