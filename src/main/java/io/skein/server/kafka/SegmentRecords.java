package io.skein.server.kafka;

import io.skein.log.LogSlice;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * A fetch answer's batches as a span of a segment file, which {@link ResponseFrames} sends
 * without copying it through the heap where the connection allows. Whoever drops an answer
 * holding one unsent releases it ({@link #releaseAll}).
 */
final class SegmentRecords implements BaseRecords {

  private final LogSlice slice;

  SegmentRecords(LogSlice slice) {
    this.slice = slice;
  }

  LogSlice slice() {
    return slice;
  }

  @Override
  public int sizeInBytes() {
    return slice.size();
  }

  /** kafka-clients' own network layer sends records this way; Skein's sends them in {@link ResponseFrames}. */
  @Override
  public RecordsSend<? extends BaseRecords> toSend() {
    throw new UnsupportedOperationException("segment records are written by ResponseFrames");
  }

  /** Lets go of every segment span in {@code answer}, which will not be sent. */
  static void releaseAll(ApiMessage answer) {
    if (answer instanceof FetchResponseData fetch) {
      fetch.responses().forEach(topic -> topic.partitions().forEach(partition -> {
        if (partition.records() instanceof SegmentRecords records) {
          records.slice.release();
        }
      }));
    }
  }

  @Override
  public String toString() {
    return "SegmentRecords(" + slice + ")";
  }
}
