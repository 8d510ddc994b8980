package io.skein.cli;

import io.skein.client.Consumer;
import io.skein.client.ConsumerRecord;
import io.skein.client.ConsumerRecords;
import io.skein.client.TopicPartition;
import java.io.PrintWriter;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
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

/** Like kafka-consumer-perf-test: reads a topic from the beginning and reports throughput. */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    description = "Read N records of a topic (all partitions, from the beginning) and report throughput.")
final class ConsumePerfCommand implements Callable<Integer> {

  @ParentCommand PerfCommand perf;
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to read.")
  String topic;

  @Option(names = "--messages", required = true, paramLabel = "N", description = "Records to read.")
  long messages;

  @Option(names = "--timeout-ms", paramLabel = "MS", description = "Give up after MS without a record (default 10000).")
  long timeoutMs = 10_000;

  @Option(names = "--fetch-size", paramLabel = "BYTES", description = "max.partition.fetch.bytes.")
  Integer fetchSize;

  @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer config.")
  Map<String, String> consumerProperties = new LinkedHashMap<>();

  @Override
  public Integer call() {
    if (messages <= 0) {
      throw new ParameterException(spec.commandLine(), "--messages must be positive");
    }
    if (timeoutMs <= 0) {
      throw new ParameterException(spec.commandLine(), "--timeout-ms must be positive");
    }
    Map<String, Object> config = new HashMap<>(consumerProperties);
    config.put("bootstrap.servers", connection.bootstrapServer);
    if (fetchSize != null) {
      config.put("max.partition.fetch.bytes", fetchSize);
    }
    long count = 0;
    long bytes = 0;
    long startMs;
    long endMs;
    connection.awaitBroker(perf.cli.channelFactory(), spec.commandLine().getErr());
    try (Consumer<byte[], byte[]> consumer =
        new Consumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer(), perf.cli.channelFactory())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      startMs = System.currentTimeMillis();
      long lastRecordMs = startMs;
      while (count < messages) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(Math.min(timeoutMs, 1000)));
        long now = System.currentTimeMillis();
        if (records.isEmpty()) {
          if (now - lastRecordMs >= timeoutMs) {
            break;
          }
          continue;
        }
        lastRecordMs = now;
        for (ConsumerRecord<byte[], byte[]> record : records) {
          count++;
          bytes += (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        }
      }
      endMs = System.currentTimeMillis();
    }
    PrintWriter out = spec.commandLine().getOut();
    double seconds = Math.max(1, endMs - startMs) / 1000.0;
    double megabytes = bytes / (1024.0 * 1024.0);
    SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS");
    out.println("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec");
    out.printf(
        "%s, %s, %.4f, %.4f, %d, %.4f%n",
        format.format(new Date(startMs)),
        format.format(new Date(endMs)),
        megabytes,
        megabytes / seconds,
        count,
        count / seconds);
    out.flush();
    if (count < messages) {
      throw new SkeinCli.CommandFailedException(
          "consumed " + count + " of " + messages + " records: no record for " + timeoutMs + " ms (--timeout-ms)");
    }
    return 0;
  }
}
