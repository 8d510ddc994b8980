package io.skein.log;

/** A follower append whose batches do not continue the log exactly at its end offset. */
public class UnexpectedAppendOffsetException extends LogException {
  private final long firstOffset;
  private final long logEndOffset;

  public UnexpectedAppendOffsetException(String message, long firstOffset, long logEndOffset) {
    super(message);
    this.firstOffset = firstOffset;
    this.logEndOffset = logEndOffset;
  }

  public long firstOffset() {
    return firstOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }
}
