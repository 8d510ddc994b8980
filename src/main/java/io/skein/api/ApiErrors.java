package io.skein.api;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.skein.proto.v1.ErrorCode;
import java.util.Map;
import java.util.Optional;

/**
 * The one mapping between Skein's Kafka-style error names and gRPC statuses, shared by
 * the server (which raises them) and the clients (which read them back and decide
 * whether to retry). The details of a failed call carry a {@code google.rpc.ErrorInfo}
 * whose reason is the {@link ErrorCode} name.
 */
public final class ApiErrors {

  /** ErrorInfo.domain of every Skein error. */
  public static final String DOMAIN = "skein.io";

  private ApiErrors() {}

  /** The gRPC status code that goes with an error name. */
  public static Status.Code statusCode(ErrorCode code) {
    return switch (code) {
      case NONE -> Status.Code.OK;
      case UNKNOWN_TOPIC_OR_PARTITION, GROUP_ID_NOT_FOUND, UNKNOWN_TOPIC_ID, RESOURCE_NOT_FOUND -> Status.Code.NOT_FOUND;
      case OFFSET_OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
      case RECORD_TOO_LARGE, CORRUPT_MESSAGE, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS,
          INVALID_REPLICATION_FACTOR, INVALID_CONFIG, INVALID_REQUEST, INVALID_REQUIRED_ACKS,
          INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, INVALID_RECORD,
          UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION, UNSUPPORTED_SASL_MECHANISM, UNACCEPTABLE_CREDENTIAL,
          DUPLICATE_RESOURCE ->
          Status.Code.INVALID_ARGUMENT;
      case TOPIC_ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, LEADER_NOT_AVAILABLE, REBALANCE_IN_PROGRESS,
          FENCED_LEADER_EPOCH, NOT_ENOUGH_REPLICAS_AFTER_APPEND ->
          Status.Code.UNAVAILABLE;
      case REQUEST_TIMED_OUT -> Status.Code.DEADLINE_EXCEEDED;
      case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED,
          TRANSACTIONAL_ID_AUTHORIZATION_FAILED -> Status.Code.PERMISSION_DENIED;
      case REQUEST_TOO_LARGE -> Status.Code.RESOURCE_EXHAUSTED;
      case UNSUPPORTED_VERSION -> Status.Code.UNIMPLEMENTED;
      case KAFKA_STORAGE_ERROR, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, NON_EMPTY_GROUP, FENCED_MEMBER,
          PARTITION_NOT_ASSIGNED, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, ELECTION_NOT_NEEDED,
          PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, GROUP_SUBSCRIBED_TO_TOPIC,
          FENCED_INSTANCE_ID, UNRELEASED_INSTANCE_ID, INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA, SECURITY_DISABLED ->
          Status.Code.FAILED_PRECONDITION;
      case UNKNOWN_SERVER_ERROR, UNRECOGNIZED -> Status.Code.INTERNAL;
    };
  }

  /** Whether the same request may succeed if sent again later. */
  public static boolean isRetriable(ErrorCode code) {
    return switch (code) {
      case NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, LEADER_NOT_AVAILABLE,
          REBALANCE_IN_PROGRESS, FENCED_LEADER_EPOCH, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> true;
      default -> false;
    };
  }

  /** A failed call's status, with the error name and recovery hints in its details. */
  public static StatusRuntimeException toStatus(ErrorCode code, String message, Map<String, String> metadata) {
    ErrorInfo info =
        ErrorInfo.newBuilder().setReason(code.name()).setDomain(DOMAIN).putAllMetadata(metadata).build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(statusCode(code).value())
            .setMessage(code.name() + ": " + message)
            .addDetails(com.google.protobuf.Any.pack(info))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  public static StatusRuntimeException toStatus(ErrorCode code, String message) {
    return toStatus(code, message, Map.of());
  }

  /** The error name and metadata carried by a failed call, if it came from a Skein broker. */
  public static Optional<ErrorInfo> errorInfo(Throwable failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return Optional.empty();
    }
    for (com.google.protobuf.Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          if (DOMAIN.equals(info.getDomain())) {
            return Optional.of(info);
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The error name of a failed call. A status without Skein details (a broken connection,
   * a deadline, a server that is not Skein) maps by its gRPC code.
   */
  public static ErrorCode errorCode(Throwable failure) {
    Optional<ErrorInfo> info = errorInfo(failure);
    if (info.isPresent()) {
      try {
        return ErrorCode.valueOf(info.get().getReason());
      } catch (IllegalArgumentException unknownName) {
        return ErrorCode.UNKNOWN_SERVER_ERROR;
      }
    }
    return switch (Status.fromThrowable(failure).getCode()) {
      case UNAVAILABLE -> ErrorCode.LEADER_NOT_AVAILABLE;
      case DEADLINE_EXCEEDED -> ErrorCode.REQUEST_TIMED_OUT;
      case NOT_FOUND -> ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      case INVALID_ARGUMENT -> ErrorCode.INVALID_REQUEST;
      default -> ErrorCode.UNKNOWN_SERVER_ERROR;
    };
  }

  /** An Error message for a stream response. */
  public static io.skein.proto.v1.Error toError(ErrorCode code, String message, Map<String, String> metadata) {
    return io.skein.proto.v1.Error.newBuilder()
        .setCode(code)
        .setMessage(message)
        .putAllMetadata(metadata)
        .build();
  }
}
