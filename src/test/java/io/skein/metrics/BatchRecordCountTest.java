package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;

/** Records are counted from batch headers: whole batches only, compressed ones too. */
class BatchRecordCountTest {

  private static ByteBuffer batch(int records, Compression compression, long baseOffset) {
    MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), compression,
        TimestampType.CREATE_TIME, baseOffset);
    for (int i = 0; i < records; i++) {
      builder.append(1000L + i, null, ("value-" + i).getBytes());
    }
    return builder.build().buffer();
  }

  @Test
  void countsTheRecordsOfEveryWholeBatch() {
    ByteBuffer first = batch(3, Compression.NONE, 0);
    ByteBuffer second = batch(4, Compression.gzip().build(), 3);
    ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining());
    both.put(first.duplicate()).put(second.duplicate()).flip();
    assertEquals(7, BatchRecordCount.of(both));
    assertEquals(0, both.position(), "counting does not move the buffer");
  }

  @Test
  void aTruncatedLastBatchCountsNone() {
    ByteBuffer first = batch(3, Compression.NONE, 0);
    ByteBuffer second = batch(4, Compression.NONE, 3);
    ByteBuffer cut = ByteBuffer.allocate(first.remaining() + second.remaining() - 5);
    cut.put(first.duplicate()).put(second.duplicate().limit(second.remaining() - 5)).flip();
    assertEquals(3, BatchRecordCount.of(cut));
    assertEquals(0, BatchRecordCount.of(ByteBuffer.allocate(10)));
  }
}
