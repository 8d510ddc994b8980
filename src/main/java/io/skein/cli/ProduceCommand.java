package io.skein.cli;

import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Like kafka-console-producer: one record per line of stdin. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Send each line of standard input as a record; flush and exit at end of input.")
final class ProduceCommand implements Callable<Integer> {

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to send to.")
  String topic;

  @Option(
      names = "--property",
      paramLabel = "KEY=VALUE",
      description = "Line reading: parse.key=true splits each line at key.separator (default: tab) into key and value;"
          + " a value equal to null.marker (no default) is sent as null, a tombstone on a compacted topic.")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "A producer config.")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  @Option(names = "--acks", paramLabel = "ACKS", description = "0, 1 or all (default all).")
  String acks;

  @Option(names = "--compression-codec", paramLabel = "CODEC", description = "none, gzip, snappy, lz4 or zstd.")
  String compression;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    boolean parseKey = Boolean.parseBoolean(properties.getOrDefault("parse.key", "false"));
    String keySeparator = properties.getOrDefault("key.separator", "\t");
    String nullMarker = properties.get("null.marker");
    Map<String, Object> config = new HashMap<>(producerProperties);
    config.put("bootstrap.servers", connection.bootstrapServer);
    if (acks != null) {
      config.put("acks", acks);
    }
    if (compression != null) {
      config.put("compression.type", compression);
    }
    AtomicLong failed = new AtomicLong();
    long lines = 0;
    connection.awaitBroker(cli.channelFactory(), spec.commandLine().getErr());
    try (Producer<byte[], byte[]> producer =
            new Producer<>(config, new ByteArraySerializer(), new ByteArraySerializer(), cli.channelFactory());
        BufferedReader reader = new BufferedReader(new InputStreamReader(cli.in(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines++;
        byte[] key = null;
        String value = line;
        if (parseKey) {
          int split = line.indexOf(keySeparator);
          if (split < 0) {
            failed.incrementAndGet();
            err.println("Error: line " + lines + " has no key separator '" + keySeparator + "'; not sent");
            continue;
          }
          key = line.substring(0, split).getBytes(StandardCharsets.UTF_8);
          value = line.substring(split + keySeparator.length());
        }
        long lineNumber = lines;
        producer
            .send(new ProducerRecord<>(topic, key,
                value.equals(nullMarker) ? null : value.getBytes(StandardCharsets.UTF_8)))
            .whenComplete(
                (metadata, error) -> {
                  if (error != null) {
                    failed.incrementAndGet();
                    synchronized (err) {
                      err.println("Error: line " + lineNumber + " not sent: " + error.getMessage());
                    }
                  }
                });
      }
      producer.flush();
    }
    if (failed.get() > 0) {
      throw new SkeinCli.CommandFailedException(failed.get() + " of " + lines + " records were not sent");
    }
    return 0;
  }
}
