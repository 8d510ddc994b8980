package io.skein.log;

/** Bytes that are not a sequence of valid v2 record batches. */
public class CorruptRecordException extends LogException {
  public CorruptRecordException(String message) {
    super(message);
  }
}
