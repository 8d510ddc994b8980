package io.skein.common;

import java.util.Map;

/**
 * Why a request failed, in the Kafka-style vocabulary of the public API. Actors reply with
 * it; the gRPC layer turns it into a status.
 */
public record Failure(ErrorCode code, String message, Map<String, String> metadata)
    implements CborSerializable {

  public Failure {
    metadata = Map.copyOf(metadata);
  }

  public static Failure of(ErrorCode code, String message) {
    return new Failure(code, message, Map.of());
  }
}
