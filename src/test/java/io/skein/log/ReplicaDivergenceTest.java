package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.readAll;
import static io.skein.log.LogTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication rules between logs, without actors: the leader's check of a follower's fetch
 * ({@link Log#divergingEpoch}) and the follower's truncation ({@link Log#divergenceTruncationOffset}),
 * driven as {@code PartitionLeader} and {@code ReplicaFollower} drive them.
 */
class ReplicaDivergenceTest {

  @TempDir Path dir;
  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
  private final List<Log> opened = new ArrayList<>();

  @BeforeEach
  void noLogsYet() {
    opened.clear();
  }

  @AfterEach
  void closeLogs() throws IOException {
    for (Log log : opened) {
      log.close();
    }
  }

  /** Issue 11 as it happened: three epochs, a stale tail, a leader that never saw the middle one. */
  @Test
  void aLeaderThatMissedAnEpochMakesEveryFollowerTakeItsTail() throws IOException {
    Log broker1 = open("broker-1");
    Log broker2 = open("broker-2");
    Log broker3 = open("broker-3");
    // Epoch 11, broker 1 leads: 10 records reach everyone, then A at 10 reaches nobody.
    broker1.startLeaderEpoch(11);
    append(broker1, 11, "common", 10);
    catchUp(broker2, broker1);
    catchUp(broker3, broker1);
    append(broker1, 11, "A", 1);

    // Epoch 12, broker 3 leads (log end 10) and writes B at 10 onwards; broker 2 takes it all.
    broker3.startLeaderEpoch(12);
    append(broker3, 12, "B", 5);
    catchUp(broker2, broker3);
    // Broker 1 fetches at 11 with epoch 11: that offset does not count, it must truncate to 10.
    assertEquals(Optional.of(new EpochEndOffset(11, 10)), broker3.divergingEpoch(11, 11));
    assertEquals(10, broker1.divergenceTruncationOffset(new EpochEndOffset(11, 10)));

    // ... but it never got to fetch: epoch 13, broker 1 leads with its stale A at 10.
    broker1.startLeaderEpoch(13);
    append(broker1, 13, "C", 3);
    // Broker 2 (last epoch 12, log end 15) learns that epoch 11 is the last one broker 1 has below
    // 12, ending at 11; its own epoch 11 ends at 10, so it keeps [0, 10) and takes A from broker 1.
    assertEquals(Optional.of(new EpochEndOffset(11, 11)), broker1.divergingEpoch(15, 12));
    assertEquals(10, broker2.divergenceTruncationOffset(new EpochEndOffset(11, 11)));
    catchUp(broker2, broker1);
    catchUp(broker3, broker1);

    assertEquals("v-A-0", valueAt(broker2, 10));
    assertArrayEquals(readAll(broker1), readAll(broker2), "broker 2 holds broker 1's log");
    assertArrayEquals(readAll(broker1), readAll(broker3), "broker 3 holds broker 1's log");
    assertEquals(new EpochEndOffset(11, 11), broker2.endOffsetForEpoch(12), "epoch 12 is gone");
  }

  /** KIP-279: the leader does not have the follower's last epoch; both share the epoch below. */
  @Test
  void aFollowerTailFromAnEpochTheLeaderNeverSawIsTruncated() throws IOException {
    Log leader = open("leader");
    Log follower = open("follower");
    leader.startLeaderEpoch(1);
    append(leader, 1, "e1", 5);
    catchUp(follower, leader);
    // The follower led epoch 2 for a while without the others; the leader was elected at 3.
    follower.startLeaderEpoch(2);
    append(follower, 2, "e2", 3);
    leader.startLeaderEpoch(3);
    append(leader, 3, "e3", 5);

    Optional<EpochEndOffset> diverging = leader.divergingEpoch(8, 2);
    assertEquals(Optional.of(new EpochEndOffset(1, 5)), diverging);
    assertEquals(5, follower.divergenceTruncationOffset(diverging.get()));
    catchUp(follower, leader);
    assertArrayEquals(readAll(leader), readAll(follower));
  }

  /** KIP-279: the leader answers an epoch the follower does not have: it needs a second round. */
  @Test
  void anEpochUnknownToTheFollowerTakesAnotherRound() throws IOException {
    Log leader = open("leader");
    Log follower = open("follower");
    leader.startLeaderEpoch(1);
    append(leader, 1, "e1", 3);
    catchUp(follower, leader);
    // The leader wrote epoch 2 on offsets 3..7 that nobody took; the follower then led epoch 3
    // on 3..4 alone; now the first one leads again, at epoch 5, with its epoch 2 tail.
    leader.startLeaderEpoch(2);
    append(leader, 2, "e2", 5);
    follower.startLeaderEpoch(3);
    append(follower, 3, "e3", 2);
    leader.startLeaderEpoch(5);
    append(leader, 5, "e5", 2);

    EpochEndOffset first = leader.divergingEpoch(5, 3).orElseThrow();
    assertEquals(new EpochEndOffset(2, 8), first);
    // The follower's largest epoch at or below 2 is 1, which ends at 3 in its log.
    assertEquals(3, follower.divergenceTruncationOffset(first));
    follower.truncateTo(3);
    assertEquals(Optional.empty(), leader.divergingEpoch(3, 1), "epoch 1 agrees up to 3");
    catchUp(follower, leader);
    assertArrayEquals(readAll(leader), readAll(follower));
  }

  /** A replica that led without writing keeps that epoch as its last one; following, it drops it. */
  @Test
  void anEpochLedWithoutAnyAppendIsDroppedWhenFollowing() throws IOException {
    Log leader = open("leader");
    Log follower = open("follower");
    leader.startLeaderEpoch(11);
    append(leader, 11, "e11", 5);
    catchUp(follower, leader);
    follower.startLeaderEpoch(13); // elected, wrote nothing, and lost its leadership again
    leader.startLeaderEpoch(14);
    append(leader, 14, "e14", 4);
    assertEquals(13, follower.latestEpoch());

    catchUp(follower, leader);
    assertArrayEquals(readAll(leader), readAll(follower));
    assertEquals(14, follower.latestEpoch());
    assertEquals(new EpochEndOffset(11, 5), follower.endOffsetForEpoch(13));
  }

  @Test
  void aFollowerThatAgreesIsNeverTruncated() throws IOException {
    Log leader = open("leader");
    Log follower = open("follower");
    leader.startLeaderEpoch(4);
    append(leader, 4, "a", 6);
    catchUp(follower, leader);
    leader.startLeaderEpoch(6);
    append(leader, 6, "b", 2);
    assertEquals(Optional.empty(), leader.divergingEpoch(6, 4), "epoch 4 ends at 6 on both");
    assertEquals(Optional.empty(), leader.divergingEpoch(0, -1), "nothing to compare");
    assertEquals(
        Optional.of(new EpochEndOffset(6, 8)),
        leader.divergingEpoch(9, 6),
        "a follower past the leader's end");
  }

  /** A follower whose log end the leader's retention passed starts over at the leader's start. */
  @Test
  void startingOverBeyondTheLogEndKeepsNoEpochAndSurvivesReopen() throws IOException {
    Path followerDir = dir.resolve("follower");
    try (Log follower = Log.open(followerDir, LogConfig.defaults(), clock)) {
      follower.startLeaderEpoch(2);
      append(follower, 2, "old", 4);
      follower.truncateFullyAndStartAt(50);
      assertEquals(50, follower.logStartOffset());
      assertEquals(50, follower.logEndOffset());
      assertEquals(-1, follower.latestEpoch());
      Log leader = open("leader");
      leader.truncateFullyAndStartAt(50);
      leader.startLeaderEpoch(7);
      append(leader, 7, "new", 3);
      catchUp(follower, leader);
      assertArrayEquals(readAll(leader), readAll(follower));
    }
    try (Log reopened = Log.open(followerDir, LogConfig.defaults(), clock)) {
      assertEquals(50, reopened.logStartOffset());
      assertEquals(53, reopened.logEndOffset());
      assertEquals(new EpochEndOffset(7, 53), reopened.endOffsetForEpoch(7));
    }
  }

  /** A lost or unreadable epoch checkpoint is rebuilt from the batches, not trusted empty. */
  @Test
  void aLostEpochCheckpointIsRebuiltFromTheLog() throws IOException {
    Path logDir = dir.resolve("rebuilt");
    try (Log log = Log.open(logDir, LogTestSupport.config("segment.bytes", 300), clock)) {
      log.startLeaderEpoch(1);
      append(log, 1, "a", 4);
      log.startLeaderEpoch(3);
      append(log, 3, "b", 30);
      log.startLeaderEpoch(8);
      append(log, 8, "c", 2);
      assertTrue(log.numberOfSegments() > 2);
    }
    Files.delete(logDir.resolve(LeaderEpochCache.FILE_NAME));
    try (Log log = Log.open(logDir, LogTestSupport.config("segment.bytes", 300), clock)) {
      assertEquals(8, log.latestEpoch());
      assertEquals(new EpochEndOffset(1, 4), log.endOffsetForEpoch(2));
      assertEquals(new EpochEndOffset(3, 34), log.endOffsetForEpoch(7));
    }
    Files.writeString(logDir.resolve(LeaderEpochCache.FILE_NAME), "0\n5\n1 0\n");
    try (Log log = Log.open(logDir, LogTestSupport.config("segment.bytes", 300), clock)) {
      assertEquals(new EpochEndOffset(3, 34), log.endOffsetForEpoch(3));
    }
  }

  /**
   * Killed after a follower append but before its new epoch reached the checkpoint: recovery
   * finds the epoch in the batch.
   */
  @Test
  void recoveryLearnsTheEpochsOfBatchesWrittenAfterTheCheckpoint() throws IOException {
    Path logDir = dir.resolve("crashed");
    Log crashed = Log.open(logDir, LogConfig.defaults(), clock);
    crashed.startLeaderEpoch(2);
    append(crashed, 2, "a", 3);
    crashed.flush();
    String checkpointBefore = Files.readString(logDir.resolve(LeaderEpochCache.FILE_NAME));
    append(crashed, 5, "b", 2);
    // The crash: the batch is in the file, the checkpoint still has the earlier content.
    Files.writeString(logDir.resolve(LeaderEpochCache.FILE_NAME), checkpointBefore);
    try (Log recovered = Log.open(logDir, LogConfig.defaults(), clock)) {
      assertEquals(5, recovered.latestEpoch());
      assertEquals(new EpochEndOffset(2, 3), recovered.endOffsetForEpoch(4));
    }
  }

  private Log open(String name) throws IOException {
    Log log = Log.open(dir.resolve(name), LogConfig.defaults(), clock);
    opened.add(log);
    return log;
  }

  private static void append(Log leader, int epoch, String tag, int batches) throws IOException {
    for (int i = 0; i < batches; i++) {
      leader.appendAsLeader(LogTestSupport.batch(Compression.NONE, 1, START_MS, tag), epoch);
    }
  }

  /**
   * Replicates as the actors do: fetch from the log end with the last epoch; on a diverging
   * answer truncate and fetch again; otherwise append what the leader returns.
   */
  static void catchUp(Log follower, Log leader) throws IOException {
    for (int round = 0;
        follower.logEndOffset() != leader.logEndOffset()
            || leader.divergingEpoch(follower.logEndOffset(), follower.latestEpoch()).isPresent();
        round++) {
      assertTrue(round < 1_000, "replication ends");
      fetchOnce(follower, leader, Integer.MAX_VALUE);
    }
  }

  /** One fetch of at most {@code maxBytes} (but at least one batch); false if it diverged. */
  static boolean fetchOnce(Log follower, Log leader, int maxBytes) throws IOException {
    Optional<EpochEndOffset> diverging =
        leader.divergingEpoch(follower.logEndOffset(), follower.latestEpoch());
    if (diverging.isPresent()) {
      follower.truncateTo(follower.divergenceTruncationOffset(diverging.get()));
      return false;
    }
    LogReadResult read = leader.read(follower.logEndOffset(), maxBytes, leader.logEndOffset());
    if (read.records().hasRemaining()) {
      follower.appendAsFollower(
          org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(read.records()));
    }
    return true;
  }

  private static String valueAt(Log log, long offset) throws IOException {
    for (RecordBatch batch : batches(log.read(offset, 1, Long.MAX_VALUE).records())) {
      for (Record record : batch) {
        if (record.offset() == offset) {
          return value(record);
        }
      }
    }
    throw new AssertionError("no record at " + offset);
  }
}
