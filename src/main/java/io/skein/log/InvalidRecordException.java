package io.skein.log;

/** A batch is well formed but breaks a rule of the log (Kafka's INVALID_RECORD). */
public final class InvalidRecordException extends LogException {
  public InvalidRecordException(String message) {
    super(message);
  }
}
