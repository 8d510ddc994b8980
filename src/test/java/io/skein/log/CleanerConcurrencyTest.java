package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.keyed;
import static io.skein.log.LogTestSupport.latestValues;
import static io.skein.log.LogTestSupport.readRecords;
import static io.skein.log.LogTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogTestSupport.Stored;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanerConcurrencyTest {
  @TempDir Path dir;

  @Test
  void readersSeeEveryRecordAsWrittenWhileTheCleanerSwapsSegmentsUnderThem() throws Exception {
    LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
    LogConfig config =
        config("cleanup.policy", "compact", "segment.bytes", 2048, "index.interval.bytes", 256);
    try (Log log = Log.open(dir, config, clock)) {
      Map<Long, Stored> written = new ConcurrentHashMap<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicLong recordsChecked = new AtomicLong();
      AtomicLong swaps = new AtomicLong();
      Runnable reader =
          () -> {
            try {
              while (writing.get()) {
                long highWatermark = log.highWatermark();
                if (highWatermark == 0) {
                  continue;
                }
                long offset = ThreadLocalRandom.current().nextLong(highWatermark);
                LogReadResult result = log.read(offset, 1024, highWatermark);
                List<RecordBatch> read = batches(result.records());
                assertTrue(!read.isEmpty(), "offset " + offset + " below the HW reads on");
                assertTrue(read.get(0).lastOffset() >= offset, "the batch at or after " + offset);
                long previous = -1;
                for (RecordBatch batch : read) {
                  batch.ensureValid();
                  assertTrue(batch.baseOffset() > previous, "batches increase");
                  for (Record record : batch) {
                    Stored stored =
                        new Stored(record.offset(), text(record.key()), text(record.value()));
                    assertEquals(written.get(record.offset()), stored);
                    recordsChecked.incrementAndGet();
                  }
                  previous = batch.lastOffset();
                }
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
              writing.set(false);
            }
          };
      Runnable cleaning =
          () -> {
            Cleaner cleaner = new Cleaner(1 << 16, new Throttler(Long.MAX_VALUE), clock);
            try {
              while (writing.get()) {
                if (cleaner.clean(log, () -> false) != null) {
                  swaps.incrementAndGet();
                }
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
              writing.set(false);
            }
          };
      List<Thread> threads =
          List.of(
              new Thread(reader, "reader-1"),
              new Thread(reader, "reader-2"),
              new Thread(cleaning, "cleaner"));
      threads.forEach(Thread::start);
      Map<String, String> latest = new HashMap<>();
      try {
        for (int i = 0;
            (i < 800 || swaps.get() < 5) && i < 100_000 && failure.get() == null;
            i++) {
          String key = "k" + (i % 50);
          String value = i % 11 == 0 ? null : "v" + i;
          long offset = log.appendAsLeader(keyed(START_MS, key, value), 0).firstOffset();
          written.put(offset, new Stored(offset, key, value));
          latest.put(key, value);
          log.updateHighWatermark(log.logEndOffset());
        }
      } finally {
        writing.set(false);
        for (Thread thread : threads) {
          thread.join();
        }
      }
      if (failure.get() != null) {
        throw new AssertionError("a reader or the cleaner failed", failure.get());
      }
      assertTrue(swaps.get() >= 5, swaps.get() + " cleans");
      assertTrue(recordsChecked.get() > 0);
      assertEquals(latest, latestValues(readRecords(log)));
    }
  }
}
