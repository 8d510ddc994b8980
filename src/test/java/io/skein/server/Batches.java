package io.skein.server;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Builds and reads Kafka v2 batches in tests. */
public final class Batches {

  private Batches() {}

  public static ByteString of(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE, records).buffer());
  }

  /** One batch of an idempotent producer: its id, epoch and the sequence of the first value. */
  public static ByteString idempotent(long producerId, short epoch, int baseSequence, String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(
        MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records).buffer());
  }

  public static ByteString withValueSize(int size) {
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE,
        new SimpleRecord(System.currentTimeMillis(), null, new byte[size])).buffer());
  }

  /** Offset and value of every record in the bytes, from {@code fromOffset} on. */
  public static List<String> values(ByteString bytes, long fromOffset) {
    List<String> values = new ArrayList<>();
    MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes.toByteArray()));
    for (RecordBatch batch : records.batches()) {
      batch.ensureValid();
      for (Record record : batch) {
        if (record.offset() >= fromOffset) {
          values.add(record.offset() + ":" + StandardCharsets.UTF_8.decode(record.value()));
        }
      }
    }
    return values;
  }
}
