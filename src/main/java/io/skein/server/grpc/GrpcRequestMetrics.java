package io.skein.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.skein.api.ApiErrors;
import io.skein.metrics.ApiMetrics;
import io.skein.metrics.RequestMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the gRPC listener's calls per method (requests, latency until the call closes,
 * message bytes in and out, errors by their Kafka-style name) and its connections.
 */
final class GrpcRequestMetrics implements ServerInterceptor {

  private static final Attributes.Key<Boolean> COUNTED = Attributes.Key.create("skein-metrics-counted");

  private final RequestMetrics metrics;

  GrpcRequestMetrics(RequestMetrics metrics) {
    this.metrics = metrics;
  }

  /** Counts connections: a transport counts from ready to terminated. */
  ServerTransportFilter connections() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        metrics.connectionOpened();
        return attributes.toBuilder().set(COUNTED, Boolean.TRUE).build();
      }

      @Override
      public void transportTerminated(Attributes attributes) {
        if (Boolean.TRUE.equals(attributes.get(COUNTED))) {
          metrics.connectionClosed();
        }
      }
    };
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ApiMetrics api = metrics.api(call.getMethodDescriptor().getFullMethodName());
    long received = api.received(0);
    // A call ends once: closed by the server, or cancelled by the client (then never closed).
    AtomicBoolean ended = new AtomicBoolean();
    ServerCall<ReqT, RespT> counted = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(RespT message) {
        api.sent(sizeOf(message));
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (ended.compareAndSet(false, true)) {
          if (!status.isOk()) {
            api.failed(ApiErrors.errorCode(status.asRuntimeException(trailers)).name());
          }
          api.answered(received);
        }
        super.close(status, trailers);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onMessage(ReqT message) {
        api.read(sizeOf(message));
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        if (ended.compareAndSet(false, true)) {
          api.failed("CANCELLED");
          api.answered(received);
        }
        super.onCancel();
      }
    };
  }

  /**
   * A response's size (protobuf memoizes it, and the transport asks for it anyway), or a
   * request's: requests arrive unparsed (see {@link MalformedRequests}), as gRPC's streams
   * that know their length.
   */
  private static long sizeOf(Object message) {
    if (message instanceof MessageLite lite) {
      return lite.getSerializedSize();
    }
    if (message instanceof InputStream stream) {
      try {
        return stream.available();
      } catch (IOException e) {
        return 0;
      }
    }
    return 0;
  }
}
