package io.skein.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent producers of one log (Kafka's ProducerStateManager): per producer id its epoch
 * and the metadata of its last {@value #CACHED_BATCHES} batches, built from the batches the log
 * stores, so a leader, a follower and a recovered log all know the same producers. A leader uses
 * it to answer a retried batch with the offsets it was stored at, and to refuse a sequence gap or
 * an older epoch.
 *
 * <p>Snapshots ({@code <offset>.snapshot}, the state as of that offset) are written when a segment
 * rolls and on close; opening, truncating or recovering a log loads the newest snapshot at or
 * below the point it needs and replays the batches after it. Snapshot files are binary: a version,
 * a CRC-32C of what follows, then the producers.
 *
 * <p>Threading: only the log's writer thread uses it.
 */
final class ProducerStateManager {
  /** Kafka keeps the last five: a producer has at most five requests in flight per partition. */
  static final int CACHED_BATCHES = 5;

  static final String SNAPSHOT_SUFFIX = ".snapshot";
  private static final short SNAPSHOT_VERSION = 1;
  private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);

  /** Where a batch of a producer was stored. */
  record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {}

  /** One producer id: its epoch, its newest batches (oldest first) and when it last wrote. */
  private static final class Producer {
    short epoch;
    long lastTimestamp;
    final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);

    Producer(short epoch) {
      this.epoch = epoch;
    }

    int lastSequence() {
      return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSequence();
    }

    long lastOffset() {
      return batches.isEmpty() ? -1 : batches.peekLast().lastOffset();
    }
  }

  private final Path dir;
  private final Map<Long, Producer> producers = new HashMap<>();

  ProducerStateManager(Path dir) {
    this.dir = dir;
  }

  int producerCount() {
    return producers.size();
  }

  /**
   * A leader's check of a batch from a client: the batch it repeats (same producer, epoch and
   * sequences as one of the last ones stored), or null if it is new and in order. An unknown
   * producer may start at any sequence, as in Kafka (its earlier batches may be gone with
   * retention or expiry).
   *
   * @throws InvalidProducerEpochException the producer has written with a newer epoch
   * @throws OutOfOrderSequenceException the sequence does not follow the producer's last one
   */
  BatchMetadata checkLeaderBatch(long producerId, short epoch, int firstSequence, int lastSequence) {
    Producer producer = producers.get(producerId);
    if (producer == null) {
      return null;
    }
    if (epoch < producer.epoch) {
      throw new InvalidProducerEpochException(
          "Producer " + producerId + " wrote with epoch " + epoch + ", older than its epoch "
              + producer.epoch);
    }
    if (epoch > producer.epoch) {
      if (firstSequence != 0) {
        throw new OutOfOrderSequenceException(
            "Producer " + producerId + " starts epoch " + epoch + " at sequence " + firstSequence
                + ", not 0");
      }
      return null;
    }
    for (BatchMetadata batch : producer.batches) {
      if (batch.firstSequence() == firstSequence && batch.lastSequence() == lastSequence) {
        return batch;
      }
    }
    int last = producer.lastSequence();
    if (last != RecordBatch.NO_SEQUENCE && !follows(last, firstSequence)) {
      throw new OutOfOrderSequenceException(
          "Producer " + producerId + " at epoch " + epoch + " sent sequence " + firstSequence
              + " after " + last);
    }
    return null;
  }

  private static boolean follows(int last, int next) {
    return next == last + 1 || (last == Integer.MAX_VALUE && next == 0);
  }

  /** Records a batch the log stored (as leader, as follower, or found when loading). */
  void onBatchStored(
      long producerId,
      short epoch,
      int firstSequence,
      int lastSequence,
      long firstOffset,
      long lastOffset,
      long timestamp) {
    Producer producer = producers.computeIfAbsent(producerId, id -> new Producer(epoch));
    if (epoch != producer.epoch) {
      producer.epoch = epoch;
      producer.batches.clear();
    }
    if (producer.batches.size() == CACHED_BATCHES) {
      producer.batches.pollFirst();
    }
    producer.batches.addLast(
        new BatchMetadata(firstSequence, lastSequence, firstOffset, lastOffset));
    producer.lastTimestamp = Math.max(producer.lastTimestamp, timestamp);
  }

  /** Records every producer batch in {@code batches} (whole v2 batches with offsets). */
  void onBatchesStored(ByteBuffer batches) {
    for (int position = batches.position(); position < batches.limit(); ) {
      long producerId = BatchHeader.producerId(batches, position);
      if (producerId != RecordBatch.NO_PRODUCER_ID) {
        onBatchStored(
            producerId,
            BatchHeader.producerEpoch(batches, position),
            BatchHeader.baseSequence(batches, position),
            BatchHeader.lastSequence(batches, position),
            BatchHeader.baseOffset(batches, position),
            BatchHeader.lastOffset(batches, position),
            BatchHeader.maxTimestamp(batches, position));
      }
      position += BatchHeader.batchSize(batches, position);
    }
  }

  /**
   * Forgets producers whose last batch lies before {@code logStartOffset} (retention removed it)
   * and snapshots below it.
   */
  void onLogStartMoved(long logStartOffset) throws IOException {
    producers.values().removeIf(producer -> producer.lastOffset() < logStartOffset);
    for (long offset : snapshotOffsets()) {
      if (offset < logStartOffset) {
        Files.deleteIfExists(snapshotFile(offset));
      }
    }
  }

  /** Forgets producers that have not written for {@code expirationMs}; returns how many. */
  int removeExpired(long nowMs, long expirationMs) {
    int before = producers.size();
    producers.values().removeIf(producer -> nowMs - producer.lastTimestamp >= expirationMs);
    return before - producers.size();
  }

  /** Forgets every producer and snapshot: the log starts over empty. */
  void clear() throws IOException {
    producers.clear();
    for (long offset : snapshotOffsets()) {
      Files.deleteIfExists(snapshotFile(offset));
    }
  }

  /**
   * Replaces the state with the newest snapshot at or below {@code maxOffset}, deleting those
   * above it; returns the snapshot's offset, or -1 (and an empty state) if there is none. An
   * unreadable snapshot is deleted and the next older one tried.
   */
  long loadSnapshotAtOrBelow(long maxOffset) throws IOException {
    producers.clear();
    List<Long> offsets = snapshotOffsets();
    for (int i = offsets.size() - 1; i >= 0; i--) {
      long offset = offsets.get(i);
      Path file = snapshotFile(offset);
      if (offset > maxOffset) {
        Files.deleteIfExists(file);
        continue;
      }
      try {
        read(Files.readAllBytes(file));
        return offset;
      } catch (RuntimeException e) {
        LOG.warn("Deleting unreadable producer state snapshot {}: {}", file, e.getMessage());
        producers.clear();
        Files.deleteIfExists(file);
      }
    }
    return -1;
  }

  /** Writes the state as of {@code offset} (the log end now) to {@code <offset>.snapshot}. */
  void takeSnapshot(long offset) throws IOException {
    int size = 4;
    for (Producer producer : producers.values()) {
      size += 8 + 2 + 8 + 1 + producer.batches.size() * (4 + 4 + 8 + 8);
    }
    ByteBuffer body = ByteBuffer.allocate(size);
    body.putInt(producers.size());
    producers.forEach(
        (id, producer) -> {
          body.putLong(id).putShort(producer.epoch).putLong(producer.lastTimestamp);
          body.put((byte) producer.batches.size());
          for (BatchMetadata batch : producer.batches) {
            body.putInt(batch.firstSequence()).putInt(batch.lastSequence());
            body.putLong(batch.firstOffset()).putLong(batch.lastOffset());
          }
        });
    CRC32C crc = new CRC32C();
    crc.update(body.array());
    ByteBuffer file = ByteBuffer.allocate(2 + 4 + size);
    file.putShort(SNAPSHOT_VERSION).putInt((int) crc.getValue()).put(body.array());
    new CheckpointFile(snapshotFile(offset)).write(file.array());
  }

  private void read(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    short version = in.getShort();
    if (version != SNAPSHOT_VERSION) {
      throw new IllegalArgumentException("unknown snapshot version " + version);
    }
    int storedCrc = in.getInt();
    CRC32C crc = new CRC32C();
    crc.update(bytes, in.position(), in.remaining());
    if ((int) crc.getValue() != storedCrc) {
      throw new IllegalArgumentException("CRC mismatch");
    }
    int count = in.getInt();
    for (int i = 0; i < count; i++) {
      long id = in.getLong();
      Producer producer = new Producer(in.getShort());
      producer.lastTimestamp = in.getLong();
      int batches = in.get();
      for (int b = 0; b < batches; b++) {
        producer.batches.addLast(
            new BatchMetadata(in.getInt(), in.getInt(), in.getLong(), in.getLong()));
      }
      producers.put(id, producer);
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after the last producer");
    }
  }

  private Path snapshotFile(long offset) {
    return dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX));
  }

  /** Offsets of the snapshot files in the directory, ascending. */
  private List<Long> snapshotOffsets() throws IOException {
    List<Long> offsets = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
        long offset = LogSegment.parseBaseOffset(it.next().getFileName().toString(), SNAPSHOT_SUFFIX);
        if (offset >= 0) {
          offsets.add(offset);
        }
      }
    }
    offsets.sort(Long::compare);
    return offsets;
  }
}
