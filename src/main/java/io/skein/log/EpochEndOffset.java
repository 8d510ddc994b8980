package io.skein.log;

/**
 * KIP-279's answer to "where does epoch E end?": the largest leader epoch at or below E that the
 * log knows, and the offset where that epoch ends (the start of the next epoch, or the log end).
 * {@link #UNDEFINED} when the log knows no epoch at all.
 */
public record EpochEndOffset(int epoch, long endOffset) {
  public static final int UNDEFINED_EPOCH = -1;
  public static final long UNDEFINED_OFFSET = -1;
  public static final EpochEndOffset UNDEFINED =
      new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);

  public boolean isUndefined() {
    return epoch == UNDEFINED_EPOCH || endOffset == UNDEFINED_OFFSET;
  }
}
