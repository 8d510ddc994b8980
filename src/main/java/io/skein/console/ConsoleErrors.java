package io.skein.console;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.pattern.AskTimeoutException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console API's errors: JSON {@code {"error": NAME, "message": ...}} with the HTTP status
 * that goes with the broker's Kafka-style error: 400 bad input, 404 unknown topic or group,
 * 409 exists or not allowed in the current state, 503 not ready or not reachable now.
 */
final class ConsoleErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleErrors.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConsoleErrors() {}

  /** Bad input to the API: a 400 naming what is wrong. */
  static FailureException badRequest(String message) {
    return new FailureException(ErrorCode.INVALID_REQUEST, message);
  }

  static StatusCode status(ErrorCode code) {
    return switch (code) {
      case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND -> StatusCodes.NOT_FOUND;
      case TOPIC_ALREADY_EXISTS, NON_EMPTY_GROUP, GROUP_SUBSCRIBED_TO_TOPIC, REBALANCE_IN_PROGRESS -> StatusCodes.CONFLICT;
      case INVALID_REQUEST, INVALID_CONFIG, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_TOPIC_EXCEPTION,
          INVALID_GROUP_ID, OFFSET_OUT_OF_RANGE, RECORD_TOO_LARGE -> StatusCodes.BAD_REQUEST;
      case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR,
          FENCED_LEADER_EPOCH -> StatusCodes.SERVICE_UNAVAILABLE;
      case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED,
          TRANSACTIONAL_ID_AUTHORIZATION_FAILED -> StatusCodes.FORBIDDEN;
      default -> StatusCodes.INTERNAL_SERVER_ERROR;
    };
  }

  /** The response for a failed request. */
  static HttpResponse response(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof FailureException known) {
      return response(status(known.failure().code()), known.failure().code().name(), known.failure().message());
    }
    if (cause instanceof AskTimeoutException || cause instanceof TimeoutException) {
      return response(StatusCodes.SERVICE_UNAVAILABLE, ErrorCode.REQUEST_TIMED_OUT.name(),
          "the broker did not answer in time; try again");
    }
    LOG.warn("Console request failed", cause);
    return response(StatusCodes.INTERNAL_SERVER_ERROR, ErrorCode.UNKNOWN_SERVER_ERROR.name(), String.valueOf(cause));
  }

  static HttpResponse response(StatusCode status, String error, String message) {
    try {
      byte[] body = JSON.writeValueAsBytes(Map.of("error", error, "message", message == null ? "" : message));
      return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
