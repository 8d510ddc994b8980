package io.skein.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

  /** Broker errors whose Kafka counterpart has another name. */
  private static final Map<ErrorCode, Errors> RENAMED = Map.of(
      ErrorCode.RECORD_TOO_LARGE, Errors.MESSAGE_TOO_LARGE,
      ErrorCode.FENCED_MEMBER, Errors.FENCED_MEMBER_EPOCH,
      ErrorCode.PARTITION_NOT_ASSIGNED, Errors.STALE_MEMBER_EPOCH);

  @Test
  void everyErrorCarriesTheCodeOfItsKafkaCounterpart() {
    for (ErrorCode error : ErrorCode.values()) {
      Errors kafka = RENAMED.containsKey(error) ? RENAMED.get(error) : Errors.valueOf(error.name());
      assertEquals(kafka.code(), error.code(), error.name());
      assertEquals(error, ErrorCode.forCode(kafka.code()));
    }
  }

  @Test
  void everyErrorHasTheSameNameInTheGrpcApi() {
    for (ErrorCode error : ErrorCode.values()) {
      assertEquals(error.name(), io.skein.proto.v1.ErrorCode.valueOf(error.name()).name());
    }
  }

  @Test
  void aCodeSkeinDoesNotRaiseReadsAsAnUnknownServerError() {
    assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode(Errors.STALE_CONTROLLER_EPOCH.code()));
  }
}
