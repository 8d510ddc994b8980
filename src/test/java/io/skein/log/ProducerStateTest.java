package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotent producers: duplicates answered with their first offsets, gaps and fenced epochs refused. */
class ProducerStateTest {

  private static final long PRODUCER = 4_000L;

  @TempDir Path dir;
  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  @Test
  void aRetriedBatchIsAnsweredWithTheOffsetsItWasStoredAt() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(LogTestSupport.batch(2, START_MS), 0); // offsets 0..1, no producer id
      LogAppendInfo first = log.appendAsLeader(idempotent(0, 0, 3), 0);
      assertEquals(2, first.firstOffset());
      assertEquals(4, first.lastOffset());
      assertFalse(first.duplicate());
      long size = log.sizeInBytes();

      LogAppendInfo retry = log.appendAsLeader(idempotent(0, 0, 3), 0);
      assertTrue(retry.duplicate());
      assertEquals(2, retry.firstOffset());
      assertEquals(4, retry.lastOffset());
      assertEquals(5, log.logEndOffset(), "nothing written twice");
      assertEquals(size, log.sizeInBytes());
      assertEquals(5, log.appendAsLeader(idempotent(0, 3, 1), 0).firstOffset());
    }
  }

  @Test
  void aGapInSequenceIsRefusedAndNothingIsWritten() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(idempotent(0, 0, 3), 0);
      OutOfOrderSequenceException gap =
          assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(0, 5, 1), 0));
      assertTrue(gap.getMessage().contains("sequence 5 after 2"), gap.getMessage());
      assertEquals(3, log.logEndOffset());
    }
  }

  @Test
  void anOlderEpochIsFencedAndANewEpochStartsAtSequenceZero() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(idempotent(0, 0, 2), 0);
      assertEquals(2, log.appendAsLeader(idempotent(1, 0, 2), 0).firstOffset());
      assertThrows(InvalidProducerEpochException.class, () -> log.appendAsLeader(idempotent(0, 2, 1), 0));
      assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(2, 7, 1), 0));
      assertEquals(4, log.logEndOffset());
    }
  }

  @Test
  void anUnknownProducerMayStartAtAnySequence() throws IOException {
    try (Log log = open()) {
      assertEquals(0, log.appendAsLeader(idempotent(3, 41, 2), 0).firstOffset());
      assertEquals(2, log.appendAsLeader(idempotent(3, 43, 1), 0).firstOffset());
    }
  }

  @Test
  void theLastFiveBatchesAreRecognised() throws IOException {
    try (Log log = open()) {
      for (int i = 0; i < 6; i++) {
        log.appendAsLeader(idempotent(0, i * 2, 2), 0); // batch i at offsets 2i..2i+1
      }
      LogAppendInfo second = log.appendAsLeader(idempotent(0, 2, 2), 0);
      assertTrue(second.duplicate());
      assertEquals(2, second.firstOffset());
      assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(0, 0, 2), 0),
          "the sixth batch back is no longer known");
    }
  }

  @Test
  void sequencesWrapAroundFromTheLargestInteger() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(idempotent(0, Integer.MAX_VALUE - 1, 2), 0);
      assertEquals(2, log.appendAsLeader(idempotent(0, 0, 1), 0).firstOffset());
    }
  }

  @Test
  void anIdempotentBatchMustBeAloneInItsAppend() throws IOException {
    try (Log log = open()) {
      MemoryRecords two = LogTestSupport.concat(LogTestSupport.batch(1, START_MS), idempotent(0, 0, 1));
      assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(two, 0));
      assertEquals(0, log.logEndOffset());
    }
  }

  @Test
  void producersSurviveACleanRestartACrashAndARoll() throws IOException {
    LogConfig small = LogTestSupport.config("segment.bytes", 200);
    try (Log log = Log.open(dir, small, clock)) {
      for (int i = 0; i < 10; i++) {
        log.appendAsLeader(idempotent(0, i, 1), 0);
      }
      assertTrue(log.numberOfSegments() > 2);
    }
    try (Log log = Log.open(dir, small, clock)) {
      assertTrue(log.appendAsLeader(idempotent(0, 9, 1), 0).duplicate(), "after a clean restart");
    }
    Log crashed = Log.open(dir, small, clock);
    crashed.appendAsLeader(idempotent(0, 10, 1), 0); // then abandoned without closing, as in kill -9
    try (Log recovered = Log.open(dir, small, clock)) {
      LogAppendInfo retry = recovered.appendAsLeader(idempotent(0, 10, 1), 0);
      assertTrue(retry.duplicate(), "after a crash, from a snapshot and the batches after it");
      assertEquals(10, retry.firstOffset());
    }
  }

  @Test
  void anUnreadableSnapshotFallsBackToTheLog() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(idempotent(0, 0, 3), 0);
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path snapshot : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
        Files.write(snapshot, "not a snapshot".getBytes(StandardCharsets.UTF_8));
      }
    }
    try (Log log = open()) {
      assertTrue(log.appendAsLeader(idempotent(0, 0, 3), 0).duplicate());
    }
  }

  @Test
  void aFollowerKnowsTheLeadersProducersWhenItLeads() throws IOException {
    try (Log leader = Log.open(dir.resolve("leader"), LogConfig.defaults(), clock);
        Log follower = Log.open(dir.resolve("follower"), LogConfig.defaults(), clock)) {
      leader.appendAsLeader(idempotent(0, 0, 2), 3);
      leader.appendAsLeader(idempotent(0, 2, 2), 3);
      follower.appendAsFollower(MemoryRecords.readableRecords(leader.read(0, 1 << 20, 4).records()));
      LogAppendInfo retry = follower.appendAsLeader(idempotent(0, 2, 2), 4);
      assertTrue(retry.duplicate(), "a new leader after failover still drops the retried batch");
      assertEquals(2, retry.firstOffset());
    }
  }

  @Test
  void truncationForgetsTheBatchesItRemoved() throws IOException {
    try (Log log = open()) {
      log.appendAsLeader(idempotent(0, 0, 2), 0);
      log.roll();
      log.appendAsLeader(idempotent(0, 2, 2), 0);
      log.truncateTo(2);
      LogAppendInfo again = log.appendAsLeader(idempotent(0, 2, 2), 1);
      assertFalse(again.duplicate(), "the truncated batch is stored anew");
      assertEquals(2, again.firstOffset());
      log.truncateFullyAndStartAt(10);
      assertEquals(0, log.producerCount());
    }
  }

  @Test
  void retentionAndExpiryForgetProducers() throws IOException {
    try (Log log = Log.open(dir, LogTestSupport.config("retention.bytes", 1), clock)) {
      log.appendAsLeader(idempotent(0, 0, 1), 0);
      log.roll();
      log.appendAsLeader(LogTestSupport.batch(1, START_MS), 0);
      log.roll();
      assertEquals(1, log.producerCount());
      assertTrue(log.deleteRetainedSegments() > 0);
      assertEquals(0, log.producerCount(), "its only batch is gone");
    }
    try (Log log = Log.open(dir.resolve("expiry"), LogConfig.defaults(), clock)) {
      log.appendAsLeader(idempotent(0, 0, 1), 0);
      clock.advance(59_000);
      assertEquals(0, log.removeExpiredProducers(60_000));
      clock.advance(1_000);
      assertEquals(1, log.removeExpiredProducers(60_000));
      assertEquals(1, log.appendAsLeader(idempotent(0, 7, 1), 0).firstOffset(), "unknown again");
    }
  }

  private Log open() throws IOException {
    return Log.open(dir, LogConfig.defaults(), clock);
  }

  /** A batch of {@code count} records of {@link #PRODUCER} at {@code epoch}, from {@code baseSequence}. */
  private MemoryRecords idempotent(int epoch, int baseSequence, int count) {
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      records[i] = new SimpleRecord(clock.millis(), ("v" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withIdempotentRecords(Compression.NONE, PRODUCER, (short) epoch, baseSequence, records);
  }
}
