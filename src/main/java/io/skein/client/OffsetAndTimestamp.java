package io.skein.client;

/** An offset found by timestamp, with the timestamp of the record at that offset. */
public record OffsetAndTimestamp(long offset, long timestamp) {}
