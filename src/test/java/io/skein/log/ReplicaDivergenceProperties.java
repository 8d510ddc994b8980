package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.compress.Compression;

/**
 * Three replicas under any history of elections (any replica, not only in-sync ones), appends by
 * the leader and by stale leaders that have not heard of a newer epoch, and partial fetches, each
 * from the current leader or a stale one. Checked after every step and at the end:
 *
 * <ul>
 *   <li>log matching: wherever a log's check accepts another log's end and last epoch, that other
 *       log is a prefix of it, byte for byte: so a fetch offset a leader counts is really held;
 *   <li>a prefix the current leader saw on every replica (committed) never changes on any of them;
 *   <li>once the last leader's followers catch up, the three logs are byte-identical.
 * </ul>
 */
class ReplicaDivergenceProperties {

  private static final int REPLICAS = 3;

  @Property(tries = 200)
  void replicasConvergeAndNeverLoseWhatAllOfThemHeld(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 99) Integer> steps)
      throws IOException {
    Path dir = Files.createTempDirectory("replica-divergence");
    LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
    Log[] logs = new Log[REPLICAS];
    // The epoch each replica believes it leads at, until it fetches from someone; -1 if none.
    int[] ledEpoch = new int[REPLICAS];
    try {
      for (int r = 0; r < REPLICAS; r++) {
        logs[r] = Log.open(dir.resolve("replica-" + r), LogConfig.defaults(), clock);
      }
      int leader = 0;
      int epoch = 0;
      Arrays.fill(ledEpoch, -1);
      logs[leader].startLeaderEpoch(epoch);
      ledEpoch[leader] = epoch;
      byte[] committed = new byte[0];
      for (int step : steps) {
        int kind = step % 4;
        int replica = (step / 4) % REPLICAS;
        int count = step / 12 % 3 + 1;
        if (kind == 0) {
          leader = replica;
          epoch++;
          logs[leader].startLeaderEpoch(epoch);
          ledEpoch[leader] = epoch;
        } else if (kind == 1 || (kind == 2 && ledEpoch[replica] < 0)) {
          append(logs[leader], ledEpoch[leader], count);
        } else if (kind == 2) {
          append(logs[replica], ledEpoch[replica], count); // the current or a stale leader
        } else if (replica != leader) {
          int source = staleOrCurrentLeader(ledEpoch, leader, replica, count);
          if (source != replica) {
            ledEpoch[replica] = -1;
            ReplicaDivergenceTest.fetchOnce(logs[replica], logs[source], 1);
          }
        }
        assertLogMatching(logs);
        committed = committedPrefix(logs, leader, committed);
        for (Log log : logs) {
          assertArrayEquals(committed, bytesBelow(log, committedEnd(logs[leader], committed)),
              "what every replica held under the leader stays in " + log);
        }
      }
      for (int r = 0; r < REPLICAS; r++) {
        if (r != leader) {
          ReplicaDivergenceTest.catchUp(logs[r], logs[leader]);
        }
      }
      byte[] leaders = LogTestSupport.readAll(logs[leader]);
      for (Log log : logs) {
        assertArrayEquals(leaders, LogTestSupport.readAll(log), "replicas converge on " + log);
      }
    } finally {
      for (Log log : logs) {
        if (log != null) {
          log.close();
        }
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** The current leader, or now and then a stale one the fetching replica has not seen replaced. */
  private static int staleOrCurrentLeader(int[] ledEpoch, int leader, int replica, int choice) {
    for (int r = 0; r < REPLICAS && choice == 3; r++) {
      if (r != leader && r != replica && ledEpoch[r] >= 0) {
        return r;
      }
    }
    return leader;
  }

  private static void append(Log log, int epoch, int batches) throws IOException {
    for (int i = 0; i < batches; i++) {
      log.appendAsLeader(LogTestSupport.batch(Compression.NONE, 1 + i % 2, START_MS, "e" + epoch), epoch);
    }
  }

  private static void assertLogMatching(Log[] logs) throws IOException {
    for (Log checker : logs) {
      for (Log other : logs) {
        if (checker == other || checker.latestEpoch() < 0) {
          continue;
        }
        if (checker.divergingEpoch(other.logEndOffset(), other.latestEpoch()).isEmpty()) {
          assertArrayEquals(
              LogTestSupport.readAll(other),
              bytesBelow(checker, other.logEndOffset()),
              checker + " accepts the end of " + other + ", so that log is a prefix of it");
        }
      }
    }
  }

  /**
   * The leader's log up to the smallest end that every follower's check passes for, if that is
   * longer than what was committed before.
   */
  private static byte[] committedPrefix(Log[] logs, int leader, byte[] committed) throws IOException {
    long end = logs[leader].logEndOffset();
    for (int r = 0; r < REPLICAS; r++) {
      Log follower = logs[r];
      if (r == leader) {
        continue;
      }
      if (logs[leader].divergingEpoch(follower.logEndOffset(), follower.latestEpoch()).isPresent()
          || follower.logEndOffset() > logs[leader].logEndOffset()) {
        return committed;
      }
      end = Math.min(end, follower.logEndOffset());
    }
    byte[] prefix = bytesBelow(logs[leader], end);
    return prefix.length > committed.length ? prefix : committed;
  }

  private static long committedEnd(Log leader, byte[] committed) throws IOException {
    long offset = leader.logStartOffset();
    int bytes = 0;
    while (bytes < committed.length && offset < leader.logEndOffset()) {
      LogReadResult read = leader.read(offset, 1, Long.MAX_VALUE);
      bytes += read.records().remaining();
      offset = read.nextOffset();
    }
    assertEquals(committed.length, bytes, "the leader holds what was committed, in whole batches");
    return offset;
  }

  /** The log's batches below {@code endOffset}, as stored. */
  private static byte[] bytesBelow(Log log, long endOffset) throws IOException {
    List<ByteBuffer> parts = new ArrayList<>();
    int size = 0;
    long offset = log.logStartOffset();
    while (offset < Math.min(endOffset, log.logEndOffset())) {
      LogReadResult read = log.read(offset, Integer.MAX_VALUE, endOffset);
      if (!read.records().hasRemaining()) {
        break;
      }
      parts.add(read.records());
      size += read.records().remaining();
      offset = read.nextOffset();
    }
    ByteBuffer all = ByteBuffer.allocate(size);
    parts.forEach(all::put);
    return all.array();
  }
}
