package io.skein.cli;

import io.skein.client.Consumer;
import io.skein.client.ConsumerRebalanceListener;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.TopicPartition;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Like kafka-console-consumer: prints records of a topic, one per line. */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    description = "Print records of a topic (all partitions, one, or as a member of a consumer group) to standard output.")
final class ConsumeCommand implements Callable<Integer> {

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to read.")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the earliest record instead of the end.")
  boolean fromBeginning;

  @Option(names = "--partition", paramLabel = "P", description = "Read only this partition.")
  Integer partition;

  @Option(
      names = "--offset",
      paramLabel = "OFFSET",
      description = "With --partition: an offset, earliest or latest (default latest).")
  String offset;

  @Option(names = "--group", paramLabel = "GROUP",
      description = "Consume as a member of this consumer group, from its committed offsets, committing what is printed.")
  String group;

  @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N records.")
  Long maxMessages;

  @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit after MS without a record.")
  Long timeoutMs;

  @Option(
      names = "--property",
      paramLabel = "KEY=VALUE",
      description = "Output: print.key, print.offset, print.partition, print.timestamp (true|false), key.separator.")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer config.")
  Map<String, String> consumerProperties = new LinkedHashMap<>();

  @Override
  public Integer call() {
    long startOffset = validate();
    PrintWriter out = spec.commandLine().getOut();
    boolean printKey = flag("print.key");
    boolean printOffset = flag("print.offset");
    boolean printPartition = flag("print.partition");
    boolean printTimestamp = flag("print.timestamp");
    String separator = properties.getOrDefault("key.separator", "\t");
    Map<String, Object> config = new HashMap<>(consumerProperties);
    config.put("bootstrap.servers", connection.bootstrapServer);
    if (group != null) {
      config.put("group.id", group);
      // What is printed is committed below; positions of records polled but not printed are not.
      config.put("enable.auto.commit", "false");
      if (fromBeginning) {
        config.put("auto.offset.reset", "earliest");
      }
    }
    long received = 0;
    connection.awaitBroker(cli.channelFactory(), spec.commandLine().getErr());
    try (Consumer<byte[], byte[]> consumer =
        new Consumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer(), cli.channelFactory())) {
      PrintedOffsets printed = group == null ? null : new PrintedOffsets(consumer);
      if (group != null) {
        consumer.subscribe(List.of(topic), printed);
      } else {
        List<TopicPartition> partitions =
            partition == null ? consumer.partitionsFor(topic) : List.of(new TopicPartition(topic, partition));
        consumer.assign(partitions);
        if (startOffset >= 0) {
          consumer.seek(partitions.get(0), startOffset);
        } else if (fromBeginning || "earliest".equals(offset)) {
          consumer.seekToBeginning(partitions);
        } else {
          consumer.seekToEnd(partitions);
        }
      }
      long lastRecordAt = System.currentTimeMillis();
      Duration pollTimeout = Duration.ofMillis(timeoutMs == null ? 1000 : Math.min(timeoutMs, 1000));
      while (maxMessages == null || received < maxMessages) {
        var records = consumer.poll(pollTimeout);
        for (ConsumerRecord<byte[], byte[]> record : records) {
          StringBuilder line = new StringBuilder();
          if (printTimestamp) {
            line.append(record.timestampType()).append(':').append(record.timestamp()).append(separator);
          }
          if (printPartition) {
            line.append("Partition:").append(record.partition()).append(separator);
          }
          if (printOffset) {
            line.append("Offset:").append(record.offset()).append(separator);
          }
          if (printKey) {
            line.append(text(record.key())).append(separator);
          }
          line.append(text(record.value()));
          out.println(line);
          received++;
          if (printed != null) {
            printed.printed(record);
          }
          if (maxMessages != null && received >= maxMessages) {
            break;
          }
        }
        out.flush();
        if (printed != null) {
          printed.commitAsync();
        }
        long now = System.currentTimeMillis();
        if (!records.isEmpty()) {
          lastRecordAt = now;
        } else if (timeoutMs != null && now - lastRecordAt >= timeoutMs) {
          break;
        }
      }
      if (printed != null) {
        printed.commitSync();
      }
    }
    spec.commandLine().getErr().println("Processed a total of " + received + " messages");
    return 0;
  }

  /** Checks the flag combinations; returns the explicit start offset, or -1. */
  private long validate() {
    if (group != null && (partition != null || offset != null)) {
      throw new ParameterException(spec.commandLine(), "--group cannot be combined with --partition or --offset");
    }
    if (offset != null && partition == null) {
      throw new ParameterException(spec.commandLine(), "--offset needs --partition");
    }
    if (offset != null && fromBeginning) {
      throw new ParameterException(spec.commandLine(), "give either --offset or --from-beginning, not both");
    }
    if (partition != null && partition < 0) {
      throw new ParameterException(spec.commandLine(), "--partition must be >= 0");
    }
    if (offset == null || offset.equals("earliest") || offset.equals("latest")) {
      return -1;
    }
    try {
      long explicit = Long.parseLong(offset);
      if (explicit < 0) {
        throw new NumberFormatException();
      }
      return explicit;
    } catch (NumberFormatException e) {
      throw new ParameterException(
          spec.commandLine(), "--offset must be a non-negative number, earliest or latest, got '" + offset + "'");
    }
  }

  /**
   * The next offset of each owned partition after what was printed: committed as printing
   * goes, and before a partition is revoked, so a group never skips a record it did not print.
   */
  private static final class PrintedOffsets implements ConsumerRebalanceListener {
    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();

    PrintedOffsets(Consumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    void printed(ConsumerRecord<byte[], byte[]> record) {
      uncommitted.put(record.topicPartition(), new OffsetAndMetadata(record.offset() + 1));
    }

    void commitAsync() {
      if (!uncommitted.isEmpty()) {
        consumer.commitAsync(Map.copyOf(uncommitted), null);
        uncommitted.clear();
      }
    }

    void commitSync() {
      consumer.commitSync(Map.copyOf(uncommitted));
      uncommitted.clear();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> revoked = new HashMap<>(uncommitted);
      revoked.keySet().retainAll(partitions);
      consumer.commitSync(revoked);
      uncommitted.keySet().removeAll(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      uncommitted.keySet().removeAll(partitions);
    }
  }

  private boolean flag(String name) {
    return Boolean.parseBoolean(properties.getOrDefault(name, "false"));
  }

  private static String text(byte[] bytes) {
    return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
  }
}
