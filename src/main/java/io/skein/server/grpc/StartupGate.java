package io.skein.server.grpc;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lets the broker bind its port before it can serve: until {@link #open} every call is
 * answered LEADER_NOT_AVAILABLE (retriable), as Kafka answers while it loads its logs.
 * Binding first means the port is known (and held) before the node announces it to the
 * cluster, even when the configured port is 0.
 */
final class StartupGate extends HandlerRegistry {

  /** Messages as their bytes, unparsed. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  /** Method name to handler, once the broker serves; null while it starts. */
  private volatile Map<String, ServerMethodDefinition<?, ?>> methods;
  private volatile List<ServerServiceDefinition> services = List.of();

  void open(List<ServerServiceDefinition> services) {
    Map<String, ServerMethodDefinition<?, ?>> byName = new HashMap<>();
    for (ServerServiceDefinition service : services) {
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        byName.put(method.getMethodDescriptor().getFullMethodName(), method);
      }
    }
    methods = Map.copyOf(byName);
    this.services = List.copyOf(services);
  }

  /** The services once open, for server reflection. */
  @Override
  public List<ServerServiceDefinition> getServices() {
    return services;
  }

  /**
   * Every method the broker has, once open; before, a refusal for any name. A name the broker
   * does not have is answered here too (gRPC's own answer would carry no ErrorInfo).
   */
  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    Map<String, ServerMethodDefinition<?, ?>> ready = methods;
    if (ready == null) {
      return refusing(methodName, ApiErrors.toStatus(ErrorCode.LEADER_NOT_AVAILABLE, "the broker is starting; retry shortly"));
    }
    ServerMethodDefinition<?, ?> method = ready.get(methodName);
    return method != null ? method : refusing(methodName, ApiErrors.toStatus(ErrorCode.UNSUPPORTED_VERSION,
        "this broker has no method " + methodName + "; it may be older than the client's protos",
        Map.of("method", methodName)));
  }

  private static ServerMethodDefinition<byte[], byte[]> refusing(String methodName, StatusRuntimeException answer) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNKNOWN)
        .setFullMethodName(methodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    ServerCallHandler<byte[], byte[]> refuse = (ServerCall<byte[], byte[]> call, Metadata headers) -> {
      call.close(answer.getStatus(), answer.getTrailers());
      return new ServerCall.Listener<>() {};
    };
    return ServerMethodDefinition.create(method, refuse);
  }
}
