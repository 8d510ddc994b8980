package io.skein.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request message that is not valid protobuf with INVALID_ARGUMENT (INVALID_REQUEST).
 * grpc-java parses a message before any interceptor or handler sees it, and a parse failure
 * there ends the call UNKNOWN ("Application error processing RPC") with a logged stack trace.
 * So each method receives its messages as raw streams instead and parses them here, where a
 * failure can be answered like any other bad request.
 */
final class MalformedRequests {

  private static final Logger LOG = LoggerFactory.getLogger(MalformedRequests.class);

  /** At most one log line per client address in this time: a broken client must not flood the log. */
  static final Duration LOG_INTERVAL = Duration.ofMinutes(1);
  /** Client addresses remembered for rate limiting before stale ones are forgotten. */
  private static final int MAX_REMEMBERED_PEERS = 1024;

  private static final MethodDescriptor.Marshaller<InputStream> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  };

  /**
   * grpc-java's own warning, with a stack trace, for a request message over the inbound limit
   * (which it refuses before any Skein code sees it). Held here: JUL keeps loggers weakly.
   */
  private static final java.util.logging.Logger GRPC_STREAM_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");
  /** The key under which oversized requests are rate limited: gRPC does not say whose they were. */
  private static final String OVERSIZED = "oversized requests";

  /** When each client address last had a malformed request logged, in System.nanoTime. */
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  /** Logs requests over the inbound limit in one line a minute instead of gRPC's stack traces. */
  void takeOverOversizeLog() {
    GRPC_STREAM_LOG.setFilter(this::grpcMayLog);
  }

  private boolean grpcMayLog(java.util.logging.LogRecord record) {
    if (!(record.getThrown() instanceof StatusRuntimeException refused)
        || refused.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return true;
    }
    if (due(OVERSIZED)) {
      LOG.warn("Refused a request message: {} (skein.grpc.max-inbound-message-bytes; further ones are not logged"
          + " for {})", refused.getStatus().getDescription(), LOG_INTERVAL);
    }
    return false;
  }

  /** {@code service} with every method parsing its own requests, as above. */
  ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<InputStream, ?>> methods =
        service.getMethods().stream().<ServerMethodDefinition<InputStream, ?>>map(this::guard).toList();
    // The same schema as the generated service's, for server reflection.
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
    methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(guarded::addMethod);
    return guarded.build();
  }

  private <Q, R> ServerMethodDefinition<InputStream, R> guard(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> parsed = method.getMethodDescriptor();
    MethodDescriptor<InputStream, R> raw = parsed.toBuilder(RAW, parsed.getResponseMarshaller()).build();
    ServerCallHandler<InputStream, R> handler =
        (call, headers) -> new ParsingListener<>(new ParsedCall<>(call, parsed), method.getServerCallHandler(), headers);
    return ServerMethodDefinition.create(raw, handler);
  }

  /** Logs a malformed request unless its client had one logged within {@link #LOG_INTERVAL}. */
  private void log(String method, SocketAddress peer, String problem) {
    String client = peer instanceof InetSocketAddress inet ? inet.getHostString() : String.valueOf(peer);
    if (due(client)) {
      LOG.warn("Malformed {} request from {}: {} (further ones from this client are not logged for {})",
          method, client, problem, LOG_INTERVAL);
    }
  }

  /** Whether {@code key} had nothing logged within {@link #LOG_INTERVAL}; if so, it has now. */
  private boolean due(String key) {
    long now = System.nanoTime();
    if (lastLogged.size() > MAX_REMEMBERED_PEERS) {
      lastLogged.values().removeIf(at -> now - at > LOG_INTERVAL.toNanos());
    }
    boolean[] due = {false};
    lastLogged.compute(key, (k, at) -> {
      due[0] = at == null || now - at > LOG_INTERVAL.toNanos();
      return due[0] ? now : at;
    });
    return due[0];
  }

  /** The call as the service's handler sees it: its own method descriptor, silent once rejected. */
  private static final class ParsedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final ServerCall<InputStream, R> raw;
    private final MethodDescriptor<Q, R> method;
    private volatile boolean rejected;

    @SuppressWarnings("unchecked")
    ParsedCall(ServerCall<InputStream, R> raw, MethodDescriptor<Q, R> method) {
      // Nothing of ServerCall takes or returns a request but its method descriptor, overridden below.
      super((ServerCall<Q, R>) (ServerCall<?, R>) raw);
      this.raw = raw;
      this.method = method;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    @Override
    public void sendMessage(R message) {
      if (!rejected) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!rejected) {
        super.close(status, trailers);
      }
    }

    @Override
    public boolean isReady() {
      return !rejected && super.isReady();
    }

    void reject(StatusRuntimeException invalid) {
      rejected = true;
      raw.close(invalid.getStatus(), invalid.getTrailers());
    }
  }

  /** Parses each message for the service's listener; a message that does not parse ends the call. */
  private final class ParsingListener<Q, R> extends ServerCall.Listener<InputStream> {
    private final ParsedCall<Q, R> call;
    private final ServerCall.Listener<Q> delegate;
    private boolean rejected;

    ParsingListener(ParsedCall<Q, R> call, ServerCallHandler<Q, R> handler, Metadata headers) {
      this.call = call;
      this.delegate = handler.startCall(call, headers);
    }

    @Override
    public void onMessage(InputStream message) {
      if (rejected) {
        return;
      }
      Q request;
      try {
        request = call.getMethodDescriptor().parseRequest(message);
      } catch (RuntimeException e) {
        reject(e);
        return;
      }
      delegate.onMessage(request);
    }

    /** The handler is told the call was cancelled, so that it frees what it holds for it. */
    private void reject(RuntimeException parseFailure) {
      rejected = true;
      String problem = parseFailure.getCause() != null ? parseFailure.getCause().getMessage() : parseFailure.getMessage();
      log(call.getMethodDescriptor().getFullMethodName(), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
          problem);
      call.reject(ApiErrors.toStatus(ErrorCode.INVALID_REQUEST,
          "the request message is not a valid " + call.getMethodDescriptor().getFullMethodName() + " request: " + problem));
      delegate.onCancel();
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!rejected) {
        delegate.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!rejected) {
        delegate.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!rejected) {
        delegate.onReady();
      }
    }
  }
}
