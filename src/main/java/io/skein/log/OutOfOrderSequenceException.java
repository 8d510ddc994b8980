package io.skein.log;

/** An idempotent producer's batch does not follow its last stored sequence (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER): a batch in between was lost. */
public final class OutOfOrderSequenceException extends LogException {
  public OutOfOrderSequenceException(String message) {
    super(message);
  }
}
