// Load and probe of bench/run's failover case, the same for Apache Kafka and for Skein's Kafka listener:
//
//   java -cp 'bench/cache/kafka-libs/*' bench/FailoverProbe.java describe --bootstrap HOST:PORT,... --topic T
//   java -cp 'bench/cache/kafka-libs/*' bench/FailoverProbe.java produce --bootstrap ... --topic T
//       --rate N --size B --stop-file F --acks-out FILE [--linger-ms 5] [--batch-size 16384] [--max-seconds S]
//
// describe prints each partition's leader, replicas and ISR, and which broker hosts the active controller.
// produce sends SIZE-byte records to every partition of the topic at RATE records/s each (acks=all,
// idempotent), writes each acknowledgement (partition, sequence, send and ack wall-clock ms, offset) to
// --acks-out once the stop file appears, then reads the topic back from the beginning and checks that every
// acknowledged record is at its offset. Exit 0: nothing lost; 3: an acknowledged record missing or another
// one at its offset. bench/report.py turns the acknowledgement times into gaps around each kill.
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class FailoverProbe {
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "describe" -> describe(options);
      case "produce" -> System.exit(produce(options));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: FailoverProbe describe|produce --bootstrap B --topic T [options] (see the file)");
    System.exit(2);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        usage();
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    if (args.length % 2 != 0 || !options.containsKey("bootstrap") || !options.containsKey("topic")) {
      usage();
    }
    return options;
  }

  /**
   * One line per partition, "partition=P leader=L replicas=a,b,c isr=a,b", then "controller=C source=S".
   * KRaft's active controller is the metadata quorum's leader (a broker's Metadata answer names a random
   * broker instead); Skein has no quorum, and names its Controller's host in DescribeCluster.
   */
  private static void describe(Map<String, String> options) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
    try (Admin admin = Admin.create(props)) {
      String topic = options.get("topic");
      TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      for (TopicPartitionInfo p : description.partitions()) {
        System.out.printf("partition=%d leader=%d replicas=%s isr=%s%n", p.partition(),
            p.leader() == null ? -1 : p.leader().id(), ids(p.replicas()), ids(p.isr()));
      }
      try {
        int leader = admin.describeMetadataQuorum().quorumInfo().get().leaderId();
        System.out.printf("controller=%d source=quorum%n", leader);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnsupportedVersionException)) {
          throw e;
        }
        System.out.printf("controller=%d source=cluster%n", admin.describeCluster().controller().get().id());
      }
    }
  }

  private static String ids(List<Node> nodes) {
    return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
  }

  /** Acknowledgements of one partition, indexed by the record's sequence in that partition. */
  private static final class PartitionAcks {
    final long[] sentMs;
    final long[] ackedMs;
    final long[] offsets;
    int sent;
    int failed;

    PartitionAcks(int capacity) {
      sentMs = new long[capacity];
      ackedMs = new long[capacity];
      offsets = new long[capacity];
      Arrays.fill(offsets, -1);
    }
  }

  private static int produce(Map<String, String> options) throws Exception {
    String topic = options.get("topic");
    int rate = Integer.parseInt(options.getOrDefault("rate", "100"));
    int size = Integer.parseInt(options.getOrDefault("size", "1024"));
    int maxSeconds = Integer.parseInt(options.getOrDefault("max-seconds", "900"));
    Path stopFile = Path.of(options.get("stop-file"));
    Path acksOut = Path.of(options.get("acks-out"));
    int partitions = partitionCount(options.get("bootstrap"), topic);

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap"));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, options.getOrDefault("linger-ms", "5"));
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, options.getOrDefault("batch-size", "16384"));
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    PartitionAcks[] acks = new PartitionAcks[partitions];
    for (int p = 0; p < partitions; p++) {
      acks[p] = new PartitionAcks(rate * maxSeconds);
    }
    long start = System.nanoTime();
    long capacity = (long) rate * maxSeconds;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      // Paced by the clock: each partition gets the records due by now, so a blocked send() catches up after.
      long nextStopCheck = 0;
      while (true) {
        long elapsed = System.nanoTime() - start;
        if (elapsed >= nextStopCheck) {
          if (Files.exists(stopFile)) {
            break;
          }
          nextStopCheck = elapsed + TimeUnit.MILLISECONDS.toNanos(100);
        }
        long due = Math.min(capacity, elapsed * rate / TimeUnit.SECONDS.toNanos(1));
        for (int p = 0; p < partitions; p++) {
          PartitionAcks partition = acks[p];
          while (partition.sent < due) {
            send(producer, topic, p, partition, size);
          }
        }
        if (due == capacity) {
          System.err.println("FailoverProbe: --max-seconds reached before the stop file appeared");
          break;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
      }
      producer.flush();
    }
    writeAcks(acksOut, acks);
    return readBack(options.get("bootstrap"), topic, acks);
  }

  private static int partitionCount(String bootstrap, String topic) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }
  }

  /** The value starts with the record's sequence in its partition; the rest is a fixed A-Z filler. */
  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int p, PartitionAcks partition,
      int size) {
    int seq = partition.sent++;
    byte[] value = new byte[size];
    for (int i = Long.BYTES; i < size; i++) {
      value[i] = (byte) ('A' + i % 26);
    }
    ByteBuffer.wrap(value).putLong(seq);
    partition.sentMs[seq] = System.currentTimeMillis();
    producer.send(new ProducerRecord<>(topic, p, null, value), (metadata, error) -> {
      if (error == null) {
        partition.ackedMs[seq] = System.currentTimeMillis();
        partition.offsets[seq] = metadata.offset();
      } else {
        partition.failed++;
      }
    });
  }

  /** "partition seq sent_ms acked_ms offset", acknowledged records only. */
  private static void writeAcks(Path out, PartitionAcks[] acks) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(out)) {
      w.write("partition\tseq\tsent_ms\tacked_ms\toffset\n");
      for (int p = 0; p < acks.length; p++) {
        for (int seq = 0; seq < acks[p].sent; seq++) {
          if (acks[p].offsets[seq] >= 0) {
            w.write(p + "\t" + seq + "\t" + acks[p].sentMs[seq] + "\t" + acks[p].ackedMs[seq] + "\t"
                + acks[p].offsets[seq] + "\n");
          }
        }
      }
    }
  }

  /**
   * Reads every partition from its beginning to its end and checks each acknowledged record: at its offset,
   * the record with its sequence. Counts the records read more than once (duplicates the idempotent producer
   * should not have written).
   */
  private static int readBack(String bootstrap, String topic, PartitionAcks[] acks) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    long sent = 0;
    long acked = 0;
    long failed = 0;
    long lost = 0;
    long duplicates = 0;
    long read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> assigned = new ArrayList<>();
      for (int p = 0; p < acks.length; p++) {
        assigned.add(new TopicPartition(topic, p));
      }
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(60));
      // Per partition: the sequence read at each offset, and how often each sequence was read.
      int[][] seqAt = new int[acks.length][];
      int[][] times = new int[acks.length][];
      for (int p = 0; p < acks.length; p++) {
        seqAt[p] = new int[Math.toIntExact(ends.get(assigned.get(p)))];
        Arrays.fill(seqAt[p], -1);
        times[p] = new int[acks[p].sent];
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!assigned.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          System.err.println("FailoverProbe: read-back did not reach the end offsets " + ends + " in 5 min");
          return 3;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
          read++;
          int p = record.partition();
          int seq = (int) ByteBuffer.wrap(record.value()).getLong();
          if (record.offset() < seqAt[p].length) {
            seqAt[p][(int) record.offset()] = seq;
          }
          if (seq >= 0 && seq < times[p].length && times[p][seq]++ > 0) {
            duplicates++;
          }
        }
      }
      for (int p = 0; p < acks.length; p++) {
        sent += acks[p].sent;
        failed += acks[p].failed;
        for (int seq = 0; seq < acks[p].sent; seq++) {
          long offset = acks[p].offsets[seq];
          if (offset >= 0) {
            acked++;
            if (offset >= seqAt[p].length || seqAt[p][(int) offset] != seq) {
              lost++;
            }
          }
        }
      }
    }
    System.out.printf("sent=%d acked=%d failed=%d read=%d lost=%d duplicates=%d%n", sent, acked, failed, read, lost,
        duplicates);
    return lost == 0 ? 0 : 3;
  }
}
