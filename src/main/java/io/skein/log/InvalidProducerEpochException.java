package io.skein.log;

/** An idempotent producer wrote with an epoch older than one it already used (Kafka's INVALID_PRODUCER_EPOCH): a newer instance of it took over. */
public final class InvalidProducerEpochException extends LogException {
  public InvalidProducerEpochException(String message) {
    super(message);
  }
}
