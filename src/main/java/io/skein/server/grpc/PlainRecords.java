package io.skein.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.Compression;
import io.skein.proto.v1.Header;
import io.skein.proto.v1.Record;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Plain records of the public API to Kafka's record classes and back: what a produce hands
 * the broker to pack, and the records of fetched batches (which kafka-clients decompresses).
 */
final class PlainRecords {

  private static final org.apache.kafka.common.header.Header[] NO_HEADERS = new org.apache.kafka.common.header.Header[0];

  private PlainRecords() {}

  /** A produce request's records, for the broker to pack; their bytes stay the request's. */
  static List<SimpleRecord> toKafka(List<Record> records) {
    List<SimpleRecord> converted = new ArrayList<>(records.size());
    for (Record record : records) {
      converted.add(new SimpleRecord(record.getTimestamp(),
          record.hasKey() ? record.getKey().asReadOnlyByteBuffer() : null,
          record.hasValue() ? record.getValue().asReadOnlyByteBuffer() : null,
          headers(record.getHeadersList())));
    }
    return converted;
  }

  private static org.apache.kafka.common.header.Header[] headers(List<Header> headers) {
    if (headers.isEmpty()) {
      return NO_HEADERS;
    }
    org.apache.kafka.common.header.Header[] converted = new org.apache.kafka.common.header.Header[headers.size()];
    for (int i = 0; i < converted.length; i++) {
      Header header = headers.get(i);
      converted[i] = new RecordHeader(header.getKey(), header.hasValue() ? header.getValue().toByteArray() : null);
    }
    return converted;
  }

  static CompressionType compression(Compression compression) {
    return switch (compression) {
      case COMPRESSION_NONE -> CompressionType.NONE;
      case COMPRESSION_GZIP -> CompressionType.GZIP;
      case COMPRESSION_SNAPPY -> CompressionType.SNAPPY;
      case COMPRESSION_LZ4 -> CompressionType.LZ4;
      case COMPRESSION_ZSTD -> CompressionType.ZSTD;
      case UNRECOGNIZED -> throw new FailureException(ErrorCode.INVALID_REQUEST, "unknown compression");
    };
  }

  /**
   * How a read of plain records stops: after {@code maxRecords} records, or before a record
   * whose message would take the records' serialized size over {@code maxBytes}.
   */
  record Limit(long maxRecords, long maxBytes) {
    static final Limit NONE = new Limit(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  /**
   * Hands {@code into} the records of {@code batches} from {@code fromOffset} on, in offset
   * order, within {@code limit}; control batches are skipped. The records' bytes are copied,
   * so the batches' buffer may be reused afterwards. Answers the offset after the last record
   * taken if the limit stopped it, else -1 (the read's own next offset then applies).
   */
  static long decode(ByteBuffer batches, long fromOffset, Limit limit, Consumer<Record> into) {
    long records = 0;
    long bytes = 0;
    for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
      if (batch.isControlBatch() || batch.lastOffset() < fromOffset) {
        continue;
      }
      for (org.apache.kafka.common.record.internal.Record stored : batch) {
        if (stored.offset() < fromOffset) {
          continue;
        }
        Record record = toPlain(stored);
        int size = record.getSerializedSize();
        if (records == limit.maxRecords() || bytes + size > limit.maxBytes()) {
          return stored.offset();
        }
        into.accept(record);
        records++;
        bytes += size;
      }
    }
    return -1;
  }

  private static Record toPlain(org.apache.kafka.common.record.internal.Record stored) {
    Record.Builder record = Record.newBuilder().setOffset(stored.offset()).setTimestamp(stored.timestamp());
    if (stored.hasKey()) {
      record.setKey(copy(stored.key()));
    }
    if (stored.hasValue()) {
      record.setValue(copy(stored.value()));
    }
    for (org.apache.kafka.common.header.Header header : stored.headers()) {
      Header.Builder plain = record.addHeadersBuilder().setKey(header.key());
      if (header.value() != null) {
        plain.setValue(UnsafeByteOperations.unsafeWrap(header.value()));
      }
    }
    return record.build();
  }

  private static ByteString copy(ByteBuffer bytes) {
    return ByteString.copyFrom(bytes);
  }
}
