package io.skein.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.skein.security.AuthenticationFailedException;
import io.skein.security.JwtValidator;
import io.skein.security.Principal;
import io.skein.security.UserCredentials;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call before it reaches a service: {@code authorization: Basic
 * base64(user:password)} checked against the users' salted credentials, or {@code
 * authorization: Bearer <jwt>} checked as OAUTHBEARER tokens are, each when it is on, or else a
 * client certificate the TLS handshake verified. The principal is put in the call's {@link
 * Context} ({@link #PRINCIPAL}); a call without valid credentials is closed with UNAUTHENTICATED,
 * which says why.
 */
final class CallAuthentication implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(CallAuthentication.class);

  /** Who made the current call. */
  static final Context.Key<Principal> PRINCIPAL = Context.key("skein-principal");

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BASIC = "Basic ";
  private static final String BEARER = "Bearer ";

  private final Optional<UserCredentials> users;
  private final Optional<JwtValidator> bearerTokens;
  private final String accepted;

  /** At least one of {@code users} (Basic) and {@code bearerTokens} (Bearer). */
  CallAuthentication(Optional<UserCredentials> users, Optional<JwtValidator> bearerTokens) {
    this.users = users;
    this.bearerTokens = bearerTokens;
    this.accepted = Stream.of(users.map(u -> "\"authorization: Basic base64(user:password)\""),
            bearerTokens.map(t -> "\"authorization: Bearer <token>\""))
        .flatMap(Optional::stream).collect(Collectors.joining(" or "));
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    String authorization = headers.get(AUTHORIZATION);
    Optional<Principal> principal;
    String refusal;
    if (authorization != null && bearerTokens.isPresent() && hasScheme(authorization, BEARER)) {
      try {
        principal = Optional.of(bearerTokens.get().validate(authorization.substring(BEARER.length()).strip())
            .principal());
        refusal = null;
      } catch (AuthenticationFailedException e) {
        principal = Optional.empty();
        refusal = e.getMessage();
      }
    } else if (authorization != null && users.isPresent() && hasScheme(authorization, BASIC)) {
      principal = basic(users.get(), authorization);
      refusal = "invalid credentials: the user name or password is wrong, or the authorization header is not"
          + " \"Basic base64(user:password)\"";
    } else if (authorization != null) {
      principal = Optional.empty();
      refusal = "unsupported authorization header: send " + accepted;
    } else {
      principal = clientCertificate(call);
      refusal = "no credentials: send " + accepted + " or a client certificate";
    }
    if (principal.isEmpty()) {
      LOG.debug("Refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal);
      call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal.get()), call, headers, next);
  }

  private static boolean hasScheme(String authorization, String scheme) {
    return authorization.regionMatches(true, 0, scheme, 0, scheme.length());
  }

  private static Optional<Principal> basic(UserCredentials users, String authorization) {
    String userAndPassword;
    try {
      userAndPassword = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
    int colon = userAndPassword.indexOf(':');
    return colon < 0 ? Optional.empty()
        : users.check(userAndPassword.substring(0, colon), userAndPassword.substring(colon + 1));
  }

  private static Optional<Principal> clientCertificate(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate certificate
          ? Optional.of(Principal.of(certificate)) : Optional.empty();
    } catch (SSLPeerUnverifiedException noCertificate) {
      return Optional.empty();
    }
  }
}
