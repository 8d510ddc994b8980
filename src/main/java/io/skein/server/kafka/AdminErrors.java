package io.skein.server.kafka;

import io.skein.common.FailureException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's error code and message for why a call of the request layer failed, for the admin
 * APIs that answer each topic or resource with its own error.
 */
final class AdminErrors {

  /** An error code and its message; NONE's message is null. */
  record KafkaError(short code, String message) {
    static final KafkaError NONE = new KafkaError(Errors.NONE.code(), null);

    static KafkaError of(Errors error, String message) {
      return new KafkaError(error.code(), message);
    }
  }

  private AdminErrors() {}

  static KafkaError of(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof FailureException e) {
      return new KafkaError(e.failure().code().code(), e.failure().message());
    }
    if (cause instanceof ApiException e) {
      return KafkaError.of(Errors.forException(e), e.getMessage());
    }
    if (cause instanceof TimeoutException) {
      return KafkaError.of(Errors.REQUEST_TIMED_OUT, "the cluster did not answer in time");
    }
    return KafkaError.of(Errors.UNKNOWN_SERVER_ERROR, "unexpected error: " + cause);
  }
}
