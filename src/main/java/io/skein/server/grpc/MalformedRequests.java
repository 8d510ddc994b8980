package io.skein.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.KnownLength;
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
import java.io.FilterInputStream;
import java.io.IOException;
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
 * Answers a request message that is not valid protobuf with INVALID_ARGUMENT (INVALID_REQUEST),
 * and one over the inbound limit with RESOURCE_EXHAUSTED (REQUEST_TOO_LARGE).
 * grpc-java parses a message before any interceptor or handler sees it, and a parse failure
 * there ends the call UNKNOWN ("Application error processing RPC") with a logged stack trace;
 * a message over its own limit it refuses with no details. So each method receives its
 * messages as raw streams instead and measures and parses them here, where a failure can be
 * answered like any other bad request; gRPC's own limit is set above this one
 * ({@link #transportLimit}) as a last guard of memory.
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
  /** The largest request message answered, in bytes (skein.grpc.max-inbound-message-bytes). */
  private final int maxRequestBytes;

  MalformedRequests(int maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
  }

  /**
   * The limit gRPC enforces itself, before a message reaches {@link #guard}: twice the
   * answered one, so that a request somewhat too large is answered with its limit, while no
   * stream can make the broker buffer much more than the limit.
   */
  int transportLimit() {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxRequestBytes);
  }

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
      LOG.warn("Refused a request message: {} (twice skein.grpc.max-inbound-message-bytes; further ones are not"
          + " logged for {})", refused.getStatus().getDescription(), LOG_INTERVAL);
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

  /**
   * The answer to a request message of {@code size} bytes, or null if its size is fine. A
   * compressed message's size is only known once it is inflated: {@link Bounded} stops it then.
   */
  private StatusRuntimeException tooLarge(String method, long size) {
    if (size <= maxRequestBytes) {
      return null;
    }
    return ApiErrors.toStatus(ErrorCode.REQUEST_TOO_LARGE,
        "the " + method + " request message is larger than the broker's limit of " + maxRequestBytes
            + " bytes (skein.grpc.max-inbound-message-bytes)",
        Map.of("max_request_bytes", Integer.toString(maxRequestBytes)));
  }

  /** A compressed message's inflated bytes, read until they pass the limit. */
  private final class Bounded extends FilterInputStream {
    private long read;

    Bounded(InputStream inflated) {
      super(inflated);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      count(Math.max(n, 0));
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count(skipped);
      return skipped;
    }

    private void count(long bytes) throws TooLarge {
      read += bytes;
      if (read > maxRequestBytes) {
        throw new TooLarge(read);
      }
    }
  }

  /** Thrown through the protobuf parser when an inflated message passes the limit. */
  private static final class TooLarge extends IOException {
    final long size;

    TooLarge(long size) {
      super("more than the limit after decompression");
      this.size = size;
    }
  }

  private static TooLarge tooLargeCause(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TooLarge tooLarge) {
        return tooLarge;
      }
    }
    return null;
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
      String method = call.getMethodDescriptor().getFullMethodName();
      boolean sized = message instanceof KnownLength;
      try {
        StatusRuntimeException refusal = sized ? tooLarge(method, message.available()) : null;
        if (refusal != null) {
          refuse(refusal);
          return;
        }
      } catch (IOException e) {
        reject(new IllegalStateException(e));
        return;
      }
      Q request;
      try {
        request = call.getMethodDescriptor().parseRequest(sized ? message : new Bounded(message));
      } catch (RuntimeException e) {
        TooLarge inflated = tooLargeCause(e);
        if (inflated != null) {
          refuse(tooLarge(method, inflated.size));
        } else {
          reject(e);
        }
        return;
      }
      delegate.onMessage(request);
    }

    /** An oversized request: logged as gRPC's own refusals are, once a minute in all. */
    private void refuse(StatusRuntimeException refusal) {
      rejected = true;
      if (due(OVERSIZED)) {
        LOG.warn("Refused a request message from {}: {} (further ones are not logged for {})",
            call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal.getStatus().getDescription(),
            LOG_INTERVAL);
      }
      call.reject(refusal);
      delegate.onCancel();
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
