package io.skein.client;

import java.util.Objects;

/**
 * A committed (or to be committed) position: the offset of the NEXT record to read (last
 * processed + 1, as in Kafka) and optional application metadata.
 */
public record OffsetAndMetadata(long offset, String metadata) {

  public OffsetAndMetadata {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + offset);
    }
    Objects.requireNonNull(metadata, "metadata");
  }

  public OffsetAndMetadata(long offset) {
    this(offset, "");
  }
}
