package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class PartitionerTest {

  @Test
  void keyedPlacementEqualsKafkasForManyKeys() {
    Random random = new Random(42);
    Partitioner partitioner = new Partitioner();
    for (int i = 0; i < 10_000; i++) {
      byte[] key = new byte[1 + random.nextInt(64)];
      random.nextBytes(key);
      int numPartitions = 1 + random.nextInt(100);
      assertEquals(
          Utils.toPositive(Utils.murmur2(key)) % numPartitions,
          partitioner.partition("t", key, numPartitions));
    }
  }

  @Test
  void keyedPlacementMatchesKnownKafkaVectors() {
    // murmur2 results from Kafka's own UtilsTest, then placed as its default partitioner does.
    assertEquals(-973932308, Utils.murmur2(bytes("21")));
    assertEquals(-790332482, Utils.murmur2(bytes("foobar")));
    assertEquals(-985981536, Utils.murmur2(bytes("a-little-bit-long-string")));
    assertEquals(-1486304829, Utils.murmur2(bytes("a-little-bit-longer-string")));
    assertEquals(-58897971, Utils.murmur2(bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")));
    assertEquals(479470107, Utils.murmur2(new byte[] {'a', 'b', 'c'}));
    assertEquals((-973932308 & 0x7fffffff) % 10, Partitioner.partitionForKey(bytes("21"), 10));
    assertEquals((-790332482 & 0x7fffffff) % 7, Partitioner.partitionForKey(bytes("foobar"), 7));
    assertEquals(479470107 % 3, Partitioner.partitionForKey(new byte[] {'a', 'b', 'c'}, 3));
  }

  @Test
  void keylessRecordsStickUntilANewBatchThenMove() {
    Partitioner partitioner = new Partitioner();
    int first = partitioner.partition("t", null, 8);
    for (int i = 0; i < 100; i++) {
      assertEquals(first, partitioner.partition("t", null, 8));
    }
    Set<Integer> seen = new HashSet<>();
    int previous = first;
    for (int i = 0; i < 200; i++) {
      int next = partitioner.nextStickyPartition("t", previous, 8);
      assertNotEquals(previous, next);
      assertEquals(next, partitioner.partition("t", null, 8));
      seen.add(next);
      previous = next;
    }
    assertTrue(seen.size() > 4, "keyless records should spread over partitions, saw " + seen);
    assertEquals(0, partitioner.nextStickyPartition("single", 0, 1));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
