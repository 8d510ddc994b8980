package io.skein.server.grpc;

import io.skein.common.FailureException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.skein.api.ApiErrors;
import io.skein.common.Failure;
import io.skein.proto.v1.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the broker's answers into gRPC answers. Every failure becomes a status with a Kafka-style
 * error name; nothing a client sends can escape as an unhandled exception, so the broker
 * keeps serving after any bad request.
 */
final class Replies {

  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  /** The error field of a message that succeeded. */
  static final io.skein.proto.v1.Error NO_ERROR = io.skein.proto.v1.Error.getDefaultInstance();

  private Replies() {}

  /** Runs a handler body, answering with a status if it rejects the request or breaks. */
  static void guard(StreamObserver<?> observer, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      observer.onError(toStatus(e));
    }
  }

  /** Answers once {@code answer} completes: its failure, or the response built from it. */
  static <R, T> void answer(StreamObserver<T> observer, CompletionStage<R> answer, Function<R, T> response) {
    answer.whenComplete(
        (reply, error) -> {
          if (error != null) {
            observer.onError(toStatus(error));
            return;
          }
          try {
            observer.onNext(response.apply(reply));
            observer.onCompleted();
          } catch (RuntimeException e) {
            observer.onError(toStatus(e));
          }
        });
  }

  static StatusRuntimeException toStatus(Failure failure) {
    return ApiErrors.toStatus(toProto(failure.code()), failure.message(), failure.metadata());
  }

  /** The status for an exception: request errors keep their name, time-outs are retriable. */
  static StatusRuntimeException toStatus(Throwable error) {
    Throwable cause = cause(error);
    if (cause instanceof FailureException rejected) {
      return toStatus(rejected.failure());
    }
    if (cause instanceof StatusRuntimeException status) {
      return ApiErrors.errorInfo(status).isPresent()
          ? status
          : ApiErrors.toStatus(ApiErrors.errorCode(status), String.valueOf(status.getStatus().getDescription()));
    }
    if (cause instanceof TimeoutException) {
      return ApiErrors.toStatus(ErrorCode.REQUEST_TIMED_OUT, "the broker did not answer in time: " + cause.getMessage());
    }
    LOG.error("Unexpected error while serving a request", cause);
    return ApiErrors.toStatus(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause));
  }

  /** What failed a stage: the exception a dependent stage wraps in a CompletionException. */
  static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** The same as {@link #toStatus(Throwable)} for a stream message's error field. */
  static io.skein.proto.v1.Error toError(Throwable error) {
    Throwable cause = cause(error);
    if (cause instanceof FailureException rejected) {
      return toError(rejected.failure());
    }
    if (cause instanceof TimeoutException) {
      return ApiErrors.toError(ErrorCode.REQUEST_TIMED_OUT, "the broker did not answer in time", java.util.Map.of());
    }
    LOG.error("Unexpected error while serving a stream request", cause);
    return ApiErrors.toError(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause), java.util.Map.of());
  }

  static io.skein.proto.v1.Error toError(Failure failure) {
    return ApiErrors.toError(toProto(failure.code()), failure.message(), failure.metadata());
  }

  /** The public API's error of the same name (every broker error has one). */
  static ErrorCode toProto(io.skein.common.ErrorCode code) {
    return ErrorCode.valueOf(code.name());
  }
}
