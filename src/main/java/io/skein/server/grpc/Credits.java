package io.skein.server.grpc;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.Record;
import java.util.List;

/**
 * The credit a client granted a stream and has not received yet: records, and bytes (the
 * serialized size of the Record messages) from the first grant that carries bytes on. Not
 * thread-safe: its stream guards it.
 */
final class Credits {

  private long records;
  private long bytes = Long.MAX_VALUE;
  /** The next record is larger than the byte credit: nothing goes out until the next grant. */
  private boolean nextOverCredit;

  /** Credit that no grant is needed for: what a stream without credit flow control has. */
  static Credits unlimited() {
    Credits credits = new Credits();
    credits.records = Long.MAX_VALUE;
    return credits;
  }

  /** Nothing until the client grants some. */
  static Credits none() {
    return new Credits();
  }

  /** Refuses a grant with a negative count, before anything changes. */
  static void check(Credit grant) {
    if (grant.getRecords() < 0 || grant.getBytes() < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "credit must be >= 0, was " + grant);
    }
  }

  void add(Credit grant) {
    records = saturatedAdd(records, grant.getRecords());
    if (grant.getBytes() > 0) {
      bytes = bytes == Long.MAX_VALUE ? grant.getBytes() : saturatedAdd(bytes, grant.getBytes());
    }
    nextOverCredit = false;
  }

  boolean any() {
    return records > 0 && bytes > 0 && !nextOverCredit;
  }

  long records() {
    return records;
  }

  long bytes() {
    return bytes;
  }

  /** How much a read may hand over now. */
  PlainRecords.Limit limit() {
    return new PlainRecords.Limit(records, bytes);
  }

  /**
   * Takes off what was sent; {@code stoppedAt} is {@link PlainRecords#decode}'s answer. A read
   * that stopped before its first record waits for the next grant.
   */
  void spend(List<Record> sent, long stoppedAt) {
    if (records != Long.MAX_VALUE) {
      records -= sent.size();
    }
    if (bytes != Long.MAX_VALUE) {
      bytes -= size(sent);
    }
    nextOverCredit = stoppedAt >= 0 && sent.isEmpty();
  }

  /** The bytes of the records sent, for monitoring. */
  static long size(List<Record> sent) {
    long size = 0;
    for (Record record : sent) {
      size += record.getSerializedSize();
    }
    return size;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
