package io.skein.server.kafka;

import io.skein.common.Failure;
import io.skein.common.FailureException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/** The Kafka error a group request's failure is answered with. */
final class KafkaGroupErrors {

  private KafkaGroupErrors() {}

  static Errors of(Failure failure) {
    return failure == null ? Errors.NONE : Errors.forCode(failure.code().code());
  }

  /**
   * A coordinator that does not answer in time is COORDINATOR_NOT_AVAILABLE: Kafka clients
   * then look the coordinator up again and retry, instead of failing the consumer.
   */
  static Errors of(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof FailureException failed) {
      return of(failed.failure());
    }
    if (cause instanceof TimeoutException) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    if (cause instanceof ApiException api) {
      return Errors.forException(api);
    }
    return Errors.UNKNOWN_SERVER_ERROR;
  }

  static String message(Throwable error) {
    Throwable cause = unwrap(error);
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
