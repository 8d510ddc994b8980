package io.skein.common;

/**
 * Why a request failed, in Kafka's vocabulary and with Kafka's error codes, so that either
 * protocol can answer with it: the gRPC edge sends the name (the public API's ErrorCode has
 * the same names), a Kafka listener the code. Where Kafka has no error of the same name, the
 * code is that of the Kafka error a Kafka client handles in the same way.
 */
public enum ErrorCode {
  NONE(0),
  UNKNOWN_SERVER_ERROR(-1),
  UNKNOWN_TOPIC_OR_PARTITION(3),
  OFFSET_OUT_OF_RANGE(1),
  /** Kafka's MESSAGE_TOO_LARGE. */
  RECORD_TOO_LARGE(10),
  CORRUPT_MESSAGE(2),
  INVALID_TOPIC_EXCEPTION(17),
  INVALID_PARTITIONS(37),
  INVALID_REPLICATION_FACTOR(38),
  INVALID_CONFIG(40),
  TOPIC_ALREADY_EXISTS(36),
  NOT_LEADER_OR_FOLLOWER(6),
  NOT_ENOUGH_REPLICAS(19),
  REQUEST_TIMED_OUT(7),
  INVALID_REQUEST(42),
  INVALID_REQUIRED_ACKS(21),
  LEADER_NOT_AVAILABLE(5),
  KAFKA_STORAGE_ERROR(56),
  ILLEGAL_GENERATION(22),
  UNKNOWN_MEMBER_ID(25),
  REBALANCE_IN_PROGRESS(27),
  GROUP_ID_NOT_FOUND(69),
  INVALID_GROUP_ID(24),
  NON_EMPTY_GROUP(68),
  /** Kafka's FENCED_MEMBER_EPOCH: another session took the member over. */
  FENCED_MEMBER(110),
  INVALID_SESSION_TIMEOUT(26),
  INCONSISTENT_GROUP_PROTOCOL(23),
  GROUP_SUBSCRIBED_TO_TOPIC(86),
  FENCED_INSTANCE_ID(82),
  /** A static member joined while the member with its instance id had not left. */
  UNRELEASED_INSTANCE_ID(111),
  UNSUPPORTED_ASSIGNOR(112),
  INVALID_REGULAR_EXPRESSION(128),
  /** Kafka's STALE_MEMBER_EPOCH: a commit for a partition the member no longer owns. */
  PARTITION_NOT_ASSIGNED(113),
  FENCED_LEADER_EPOCH(74),
  NOT_ENOUGH_REPLICAS_AFTER_APPEND(20),
  OUT_OF_ORDER_SEQUENCE_NUMBER(45),
  INVALID_PRODUCER_EPOCH(47),
  INVALID_RECORD(87),
  UNKNOWN_TOPIC_ID(100),
  ELECTION_NOT_NEEDED(84),
  PREFERRED_LEADER_NOT_AVAILABLE(80),
  ELIGIBLE_LEADERS_NOT_AVAILABLE(83),
  INVALID_UPDATE_VERSION(95),
  /** An ISR change that adds a broker the Controller does not count as live (KIP-841). */
  INELIGIBLE_REPLICA(107),
  RESOURCE_NOT_FOUND(91),
  DUPLICATE_RESOURCE(92),
  UNACCEPTABLE_CREDENTIAL(93),
  UNSUPPORTED_SASL_MECHANISM(33),
  TOPIC_AUTHORIZATION_FAILED(29),
  GROUP_AUTHORIZATION_FAILED(30),
  CLUSTER_AUTHORIZATION_FAILED(31),
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED(53),
  SECURITY_DISABLED(54);

  private final short code;

  ErrorCode(int code) {
    this.code = (short) code;
  }

  /** Kafka's error code. */
  public short code() {
    return code;
  }

  /** The error with Kafka's error code {@code code}; UNKNOWN_SERVER_ERROR for one Skein does not raise. */
  public static ErrorCode forCode(int code) {
    for (ErrorCode error : values()) {
      if (error.code == code) {
        return error;
      }
    }
    return UNKNOWN_SERVER_ERROR;
  }
}
