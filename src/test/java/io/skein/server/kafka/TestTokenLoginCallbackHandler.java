package io.skein.server.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/**
 * kafka-clients' {@code sasl.login.callback.handler.class} for the tests: hands the client the
 * JWT of its JAAS option {@code token} (signed by the test), with the expiry and principal of
 * the options {@code expiresAtMs} and {@code principal}, as a real login handler would after
 * fetching one.
 */
public final class TestTokenLoginCallbackHandler implements AuthenticateCallbackHandler {

  private String token;
  private long expiresAtMs;
  private String principal;

  @Override
  public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
    token = (String) options.get("token");
    expiresAtMs = Long.parseLong((String) options.get("expiresAtMs"));
    principal = (String) options.get("principal");
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (callback instanceof OAuthBearerTokenCallback tokenCallback) {
        tokenCallback.token(new OAuthBearerToken() {
          @Override
          public String value() {
            return token;
          }

          @Override
          public Set<String> scope() {
            return Set.of();
          }

          @Override
          public long lifetimeMs() {
            return expiresAtMs;
          }

          @Override
          public String principalName() {
            return principal;
          }

          @Override
          public Long startTimeMs() {
            return null;
          }
        });
      } else if (!(callback instanceof SaslExtensionsCallback)) {
        throw new UnsupportedCallbackException(callback);
      }
    }
  }

  @Override
  public void close() {}
}
