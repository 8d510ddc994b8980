package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogConcurrencyTest {
  @TempDir Path dir;

  @Test
  void readersNeverSeePartialBatchesWhileOneWriterAppendsAndRolls() throws Exception {
    LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
    try (Log log =
        Log.open(dir, config("segment.bytes", 4096, "index.interval.bytes", 256), clock)) {
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicLong batchesChecked = new AtomicLong();
      Runnable reader =
          () -> {
            try {
              while (writing.get() || batchesChecked.get() == 0) {
                long end = log.logEndOffset();
                if (end == 0) {
                  continue;
                }
                long offset = ThreadLocalRandom.current().nextLong(end);
                LogReadResult result = log.read(offset, 2048, Long.MAX_VALUE);
                List<RecordBatch> read = batches(result.records());
                assertTrue(
                    !read.isEmpty(),
                    "offset " + offset + " below end " + end + " must be readable");
                assertTrue(
                    read.get(0).baseOffset() <= offset && offset <= read.get(0).lastOffset());
                long expectedNext = read.get(0).baseOffset();
                int bytes = 0;
                for (RecordBatch batch : read) {
                  batch.ensureValid();
                  assertEquals(expectedNext, batch.baseOffset(), "batches are contiguous");
                  expectedNext = batch.lastOffset() + 1;
                  bytes += batch.sizeInBytes();
                }
                assertEquals(result.records().remaining(), bytes, "no trailing partial batch");
                assertEquals(expectedNext, result.nextOffset());
                batchesChecked.addAndGet(read.size());
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
              writing.set(false);
            }
          };
      Thread[] readers = {new Thread(reader, "reader-1"), new Thread(reader, "reader-2")};
      for (Thread thread : readers) {
        thread.start();
      }
      try {
        for (int i = 0; i < 3000 && failure.get() == null; i++) {
          Compression compression = i % 3 == 0 ? Compression.lz4().build() : Compression.NONE;
          log.appendAsLeader(batch(compression, 1 + i % 7, START_MS + i, "w" + i), 0);
        }
      } finally {
        writing.set(false);
        for (Thread thread : readers) {
          thread.join();
        }
      }
      if (failure.get() != null) {
        throw new AssertionError("reader failed", failure.get());
      }
      assertTrue(log.numberOfSegments() > 10);
      assertTrue(batchesChecked.get() > 0);
    }
  }
}
