package io.skein.log;

/** A batch is larger than max.message.bytes. */
public class RecordTooLargeException extends LogException {
  private final int maxMessageBytes;

  public RecordTooLargeException(int batchBytes, int maxMessageBytes) {
    super("Record batch of " + batchBytes + " bytes exceeds max.message.bytes=" + maxMessageBytes);
    this.maxMessageBytes = maxMessageBytes;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }
}
