package io.skein.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.skein.broker.Caller;
import io.skein.security.Principal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Puts the call's {@link Caller} in its {@link Context}, for the broker's authorization: the
 * principal {@link CallAuthentication} found (ANONYMOUS without authentication) and the client's
 * IP address. Made once per call; a service reads it with {@link #current()}. Beside it, the client
 * id the call's {@link #CLIENT_ID_HEADER} names (empty when absent, as Kafka's client id may be),
 * which client quotas are keyed by with the principal.
 */
final class CallerContext implements ServerInterceptor {

  /** The request header a client names itself in, as Kafka's client.id. */
  static final Metadata.Key<String> CLIENT_ID_HEADER = Metadata.Key.of("skein-client-id",
      Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<Caller> CALLER = Context.key("skein-caller");
  private static final Context.Key<String> CLIENT_ID = Context.keyWithDefault("skein-client-id", "");

  /** The current call's caller. */
  static Caller current() {
    return CALLER.get();
  }

  /** The current call's client id, "" if it sent none. */
  static String clientId() {
    return CLIENT_ID.get();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    Principal principal = CallAuthentication.PRINCIPAL.get();
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String host = address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : "unknown";
    Caller caller = new Caller(principal == null ? Principal.ANONYMOUS : principal, host);
    String clientId = headers.get(CLIENT_ID_HEADER);
    return Contexts.interceptCall(Context.current().withValues(CALLER, caller, CLIENT_ID,
        clientId == null ? "" : clientId), call, headers, next);
  }
}
