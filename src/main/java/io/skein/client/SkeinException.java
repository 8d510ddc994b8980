package io.skein.client;

import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import java.util.Map;

/**
 * A failed client operation: the broker's Kafka-style error name, its message, and
 * whether the same request may succeed if sent again.
 */
public class SkeinException extends RuntimeException {

  private final ErrorCode errorCode;
  private final boolean retriable;
  private final Map<String, String> metadata;

  public SkeinException(ErrorCode errorCode, String message) {
    this(errorCode, message, Map.of(), ApiErrors.isRetriable(errorCode), null);
  }

  SkeinException(
      ErrorCode errorCode, String message, Map<String, String> metadata, boolean retriable, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
    this.retriable = retriable;
    this.metadata = Map.copyOf(metadata);
  }

  /**
   * The error carried by a failed gRPC call. A failure without Skein error details is a
   * broken connection or stream (or a server that is not Skein's): it counts as
   * retriable, since a new connection may succeed.
   */
  public static SkeinException fromGrpc(Throwable failure) {
    if (failure instanceof SkeinException skein) {
      return skein;
    }
    ErrorCode code = ApiErrors.errorCode(failure);
    var info = ApiErrors.errorInfo(failure);
    boolean retriable = info.isEmpty() || ApiErrors.isRetriable(code);
    io.grpc.Status status = io.grpc.Status.fromThrowable(failure);
    String description = status.getDescription();
    String message;
    if (info.isPresent()) {
      message = description != null && description.startsWith(code.name())
          ? description
          : code.name() + ": " + (description != null ? description : failure.toString());
    } else {
      // No Skein error details: the call never reached a broker, so say what the transport saw.
      Throwable cause = status.getCause();
      message = code.name() + ": no answer from the broker (gRPC " + status.getCode()
          + (description != null ? ": " + description : "")
          + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : "") + ")";
    }
    return new SkeinException(
        code, message, info.map(i -> i.getMetadataMap()).orElse(Map.of()), retriable, failure);
  }

  /** The error of a stream response. */
  static SkeinException fromError(io.skein.proto.v1.Error error) {
    return new SkeinException(
        error.getCode(),
        error.getCode().name() + ": " + error.getMessage(),
        error.getMetadataMap(),
        ApiErrors.isRetriable(error.getCode()),
        null);
  }

  public ErrorCode errorCode() {
    return errorCode;
  }

  public boolean retriable() {
    return retriable;
  }

  /** Recovery hints from the broker, e.g. log_start_offset for OFFSET_OUT_OF_RANGE. */
  public Map<String, String> metadata() {
    return metadata;
  }
}
