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
 * IP address. Made once per call; a service reads it with {@link #current()}.
 */
final class CallerContext implements ServerInterceptor {

  private static final Context.Key<Caller> CALLER = Context.key("skein-caller");

  /** The current call's caller. */
  static Caller current() {
    return CALLER.get();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    Principal principal = CallAuthentication.PRINCIPAL.get();
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String host = address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : "unknown";
    Caller caller = new Caller(principal == null ? Principal.ANONYMOUS : principal, host);
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }
}
