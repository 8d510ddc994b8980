package io.skein.server.kafka;

import io.skein.common.FailureException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/** The Kafka error, and the message for the client, of a broker call that failed. */
record KafkaErrors(Errors error, String message) {

  static KafkaErrors of(Throwable thrown) {
    Throwable cause = thrown;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof FailureException failure) {
      return new KafkaErrors(Errors.forCode(failure.failure().code().code()), failure.getMessage());
    }
    if (cause instanceof ApiException) {
      return new KafkaErrors(Errors.forException(cause), cause.getMessage());
    }
    // An ask timing out is the one failure of the actors that is not a Failure.
    if (cause instanceof TimeoutException) {
      return new KafkaErrors(Errors.REQUEST_TIMED_OUT, cause.getMessage());
    }
    return new KafkaErrors(Errors.UNKNOWN_SERVER_ERROR, String.valueOf(cause));
  }

  short code() {
    return error.code();
  }
}
