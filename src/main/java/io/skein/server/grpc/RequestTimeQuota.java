package io.skein.server.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.skein.security.quota.QuotaKey;

/**
 * The {@code request_percentage} quota on unary calls: the time the call's handler takes on its
 * gRPC thread (handing the request to the broker; the work itself runs in actors) is measured, as
 * the Kafka listener measures a request's handling on its event loop, and a call over its quota has
 * its end held back for the throttle time, which its trailers name ({@link #THROTTLE_TIME_MS}, as
 * Kafka's answers carry throttle_time_ms). Streams are left to their byte-rate quotas.
 */
final class RequestTimeQuota implements ServerInterceptor {

  /** How long the call's end was held back for its request_percentage quota; absent when not. */
  static final Metadata.Key<String> THROTTLE_TIME_MS =
      Metadata.Key.of("skein-throttle-time-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final GrpcQuotas quotas;

  RequestTimeQuota(GrpcQuotas quotas) {
    this.quotas = quotas;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    if (call.getMethodDescriptor().getType() != MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    GrpcQuotas.CallIdentity identity = GrpcQuotas.CallIdentity.current();
    MeasuredCall<ReqT, RespT> measured = new MeasuredCall<>(call, identity);
    return new SimpleForwardingServerCallListener<>(next.startCall(measured, headers)) {
      @Override
      public void onMessage(ReqT message) {
        long start = System.nanoTime();
        try {
          super.onMessage(message);
        } finally {
          measured.handlingNanos += System.nanoTime() - start;
        }
      }

      @Override
      public void onHalfClose() {
        long start = System.nanoTime();
        try {
          super.onHalfClose();
        } finally {
          measured.handlingNanos += System.nanoTime() - start;
        }
      }
    };
  }

  /** A unary call whose end waits out its throttle. */
  private final class MeasuredCall<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private final GrpcQuotas.CallIdentity identity;
    /** Written by the call's callbacks, read at its close: gRPC runs them one after another. */
    private volatile long handlingNanos;

    MeasuredCall(ServerCall<ReqT, RespT> call, GrpcQuotas.CallIdentity identity) {
      super(call);
      this.identity = identity;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      long throttleMs = quotas.record(identity, QuotaKey.REQUEST_PERCENTAGE, handlingNanos);
      if (throttleMs > 0) {
        trailers.put(THROTTLE_TIME_MS, Long.toString(throttleMs));
      }
      quotas.after(throttleMs, () -> super.close(status, trailers));
    }
  }
}
