package io.skein.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.skein.log.DirectBuffers;
import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogReadResult;
import io.skein.metadata.PartitionKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalLeaderLogsTest {

  private static final ActorTestKit TESTKIT = ActorTestKit.create();
  private static final PartitionKey KEY = new PartitionKey("orders", 0);

  @TempDir Path dir;

  private final LocalLeaderLogs logs = LocalLeaderLogs.get(TESTKIT.system());
  private final DirectBuffers buffers = new DirectBuffers(1 << 20, 2);

  @AfterAll
  static void shutdown() {
    TESTKIT.shutdownTestKit();
  }

  @Test
  void readsOnlyCommittedDataOfLogsThatServe() throws IOException {
    try (Log log = Log.open(dir, LogConfig.defaults(), Clock.systemUTC())) {
      for (int i = 0; i < 4; i++) {
        log.appendAsLeader(batch("r" + i), 0); // one record per batch, offsets 0..3
      }
      log.updateHighWatermark(2);
      assertTrue(logs.readCommitted(KEY, 0, 1 << 20, buffers).isEmpty(), "not serving yet");

      logs.serving(KEY, log);
      LogReadResult read = logs.readCommitted(KEY, 0, 1 << 20, buffers).orElseThrow();
      assertEquals(2, read.nextOffset(), "stops at the high watermark");
      int batches = 0;
      for (RecordBatch ignored : MemoryRecords.readableRecords(read.records()).batches()) {
        batches++;
      }
      assertEquals(2, batches);
      buffers.release(read.records());
      assertTrue(logs.readCommitted(KEY, 2, 1 << 20, buffers).isEmpty(), "at the high watermark: a long poll");
      assertTrue(logs.readCommitted(KEY, 9, 1 << 20, buffers).isEmpty(), "out of range: the leader answers");

      logs.stoppedServing(KEY, log);
      assertTrue(logs.readCommitted(KEY, 0, 1 << 20, buffers).isEmpty(), "stopped serving");
    }
  }

  @Test
  void aClosedLogSendsTheReadToTheLeader() throws IOException {
    Log log = Log.open(dir, LogConfig.defaults(), Clock.systemUTC());
    log.appendAsLeader(batch("r"), 0);
    log.updateHighWatermark(1);
    logs.serving(KEY, log);
    log.close();
    try {
      assertTrue(logs.readCommitted(KEY, 0, 1 << 20, buffers).isEmpty());
    } finally {
      logs.stoppedServing(KEY, log);
    }
  }

  private static MemoryRecords batch(String value) {
    return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
  }
}
