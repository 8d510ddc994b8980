package io.skein.log;

/** A read asked for an offset outside [logStartOffset, logEndOffset]. */
public class OffsetOutOfRangeException extends LogException {
  private final long requestedOffset;
  private final long logStartOffset;
  private final long logEndOffset;

  public OffsetOutOfRangeException(long requestedOffset, long logStartOffset, long logEndOffset) {
    super(
        "Offset "
            + requestedOffset
            + " is out of range: the log holds offsets ["
            + logStartOffset
            + ", "
            + logEndOffset
            + ")");
    this.requestedOffset = requestedOffset;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }

  public long requestedOffset() {
    return requestedOffset;
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }
}
