package io.skein.server;

import io.skein.common.Failure;
import io.skein.proto.v1.ErrorCode;

/** A request the gRPC layer rejects before it reaches an actor. */
final class RequestException extends RuntimeException {

  private final Failure failure;

  RequestException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.failure = Failure.of(code, message);
  }

  Failure failure() {
    return failure;
  }
}
