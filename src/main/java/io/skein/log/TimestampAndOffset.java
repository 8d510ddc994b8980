package io.skein.log;

/** A record's timestamp and offset, answering a lookup by time. */
public record TimestampAndOffset(long timestamp, long offset) {}
