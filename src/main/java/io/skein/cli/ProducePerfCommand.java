package io.skein.cli;

import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Like kafka-producer-perf-test: sends N records at a target rate and reports throughput and latency.
 * With {@code --warmup-records W} the first W records warm up the client and broker; a second
 * summary line then describes the records after them alone, as Kafka's tool (4.1 and later)
 * prints it.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Send records as fast as allowed; print progress every 5 s and a latency summary.")
final class ProducePerfCommand implements Callable<Integer> {

  private static final long REPORT_INTERVAL_MS = 5_000;

  @ParentCommand PerfCommand perf;
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to send to.")
  String topic;

  @Option(names = "--num-records", required = true, paramLabel = "N", description = "Records to send.")
  long numRecords;

  @Option(names = "--record-size", required = true, paramLabel = "BYTES", description = "Value size of each record.")
  int recordSize;

  @Option(
      names = "--throughput",
      required = true,
      paramLabel = "RECORDS_PER_SEC",
      description = "Target rate; -1 for no limit.")
  double throughput;

  @Option(
      names = "--warmup-records",
      paramLabel = "N",
      description =
          "Treat the first N of the records as warm-up: a second summary line (\"steady state\")"
              + " covers only the records after them.")
  long warmupRecords;

  @Option(names = "--key-size", paramLabel = "BYTES", description = "Give records keys of this size (default: no keys).")
  int keySize;

  @Option(names = "--acks", paramLabel = "ACKS", description = "0, 1 or all.")
  String acks;

  @Option(names = "--batch-size", paramLabel = "BYTES", description = "Producer batch.size.")
  Integer batchSize;

  @Option(names = "--linger-ms", paramLabel = "MS", description = "Producer linger.ms.")
  Integer lingerMs;

  @Option(names = "--compression", paramLabel = "CODEC", description = "none, gzip, snappy, lz4 or zstd.")
  String compression;

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "A producer config.")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  @Override
  public Integer call() {
    validate();
    Map<String, Object> config = new HashMap<>(producerProperties);
    config.put("bootstrap.servers", connection.bootstrapServer);
    putIfSet(config, "acks", acks);
    putIfSet(config, "batch.size", batchSize);
    putIfSet(config, "linger.ms", lingerMs);
    putIfSet(config, "compression.type", compression);

    // One random payload for every record, as kafka-producer-perf-test does.
    Random random = new Random();
    byte[] payload = new byte[recordSize];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) ('A' + random.nextInt(26));
    }
    // One key buffer, rewritten per record: the producer copies it into the batch during send.
    byte[] key = keySize > 0 ? new byte[keySize] : null;
    PrintWriter out = spec.commandLine().getOut();
    Stats stats = new Stats(out, keySize + recordSize, "");
    if (warmupRecords > 0) {
      out.printf("Warmup first %d records. Steady state results will print after the complete test summary.%n",
          warmupRecords);
      out.flush();
    }

    connection.awaitBroker(perf.cli.channelFactory(), spec.commandLine().getErr());
    try (Producer<byte[], byte[]> producer =
        new Producer<>(config, new ByteArraySerializer(), new ByteArraySerializer(), perf.cli.channelFactory())) {
      long startNanos = System.nanoTime();
      Stats current = stats;
      for (long i = 0; i < numRecords; i++) {
        if (key != null) {
          writeIndex(key, i);
        }
        if (i == warmupRecords && i > 0) {
          current = stats.steadyState();
        }
        Stats recordStats = current;
        long sendNanos = System.nanoTime();
        producer
            .send(new ProducerRecord<>(topic, key, payload))
            .whenComplete((metadata, error) -> recordStats.completed(sendNanos, error));
        throttle(startNanos, i + 1);
      }
      producer.flush();
    }
    stats.printTotal();
    if (stats.steadyState != null) {
      stats.steadyState.printTotal();
    }
    if (stats.failed > 0) {
      throw new SkeinCli.CommandFailedException(
          stats.failed + " of " + numRecords + " records failed; first error: " + stats.firstError);
    }
    return 0;
  }

  private void validate() {
    if (numRecords <= 0) {
      throw new ParameterException(spec.commandLine(), "--num-records must be positive");
    }
    if (recordSize <= 0) {
      throw new ParameterException(spec.commandLine(), "--record-size must be positive");
    }
    if (throughput == 0 || (throughput < 0 && throughput != -1)) {
      throw new ParameterException(spec.commandLine(), "--throughput must be positive, or -1 for no limit");
    }
    if (warmupRecords < 0 || warmupRecords >= numRecords) {
      throw new ParameterException(
          spec.commandLine(), "--warmup-records must be at least 0 and less than --num-records");
    }
    if (keySize < 0) {
      throw new ParameterException(spec.commandLine(), "--key-size must not be negative");
    }
  }

  /** Waits, without spinning, until sending {@code sent} records keeps to the target rate. */
  private void throttle(long startNanos, long sent) {
    if (throughput < 0) {
      return;
    }
    long dueNanos = startNanos + (long) (sent * 1e9 / throughput);
    long aheadNanos = dueNanos - System.nanoTime();
    // Parking for less than a millisecond costs more than it saves; catch up in one go later.
    if (aheadNanos >= TimeUnit.MILLISECONDS.toNanos(1)) {
      LockSupport.parkNanos(aheadNanos);
    }
  }

  private static void writeIndex(byte[] key, long index) {
    for (int b = 0; b < Math.min(8, key.length); b++) {
      key[b] = (byte) (index >>> (8 * b));
    }
  }

  private static void putIfSet(Map<String, Object> config, String name, Object value) {
    if (value != null) {
      config.put(name, value);
    }
  }

  /**
   * Latency and throughput, fed from the producer's callback thread. The steady-state stats,
   * once started, count the records sent after the warm-up; they also feed the whole run's
   * totals, and they print the progress lines from then on.
   */
  private static final class Stats {
    private final PrintWriter out;
    private final int recordBytes;
    private final String label;
    private final Stats whole;
    private final long startMs = System.currentTimeMillis();
    private final Histogram latencyMicros = new Histogram(3);
    private long count;
    private long totalLatencyMicros;
    private long windowStartMs = startMs;
    private long windowCount;
    private long windowLatencyMicros;
    private long windowMaxLatencyMicros;
    private volatile Stats steadyState;
    long failed;
    String firstError;

    Stats(PrintWriter out, int recordBytes, String label) {
      this(out, recordBytes, label, null);
    }

    private Stats(PrintWriter out, int recordBytes, String label, Stats whole) {
      this.out = out;
      this.recordBytes = recordBytes;
      this.label = label;
      this.whole = whole;
    }

    /** Starts counting the steady state: the records sent from now on. */
    Stats steadyState() {
      steadyState = new Stats(out, recordBytes, " steady state", this);
      return steadyState;
    }

    void completed(long sendNanos, Throwable error) {
      long latency = (System.nanoTime() - sendNanos) / 1000;
      if (whole != null) {
        whole.record(latency, error, false);
      }
      record(latency, error, true);
    }

    private synchronized void record(long latency, Throwable error, boolean reportWindow) {
      if (error != null) {
        if (failed++ == 0) {
          firstError = error.getMessage();
        }
        return;
      }
      latencyMicros.recordValue(latency);
      count++;
      totalLatencyMicros += latency;
      windowCount++;
      windowLatencyMicros += latency;
      windowMaxLatencyMicros = Math.max(windowMaxLatencyMicros, latency);
      long now = System.currentTimeMillis();
      if (reportWindow && now - windowStartMs >= REPORT_INTERVAL_MS) {
        double seconds = (now - windowStartMs) / 1000.0;
        out.printf(
            "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
            windowCount,
            windowCount / seconds,
            windowCount * (double) recordBytes / (1024 * 1024) / seconds,
            windowLatencyMicros / 1000.0 / windowCount,
            windowMaxLatencyMicros / 1000.0);
        out.flush();
        windowStartMs = now;
        windowCount = 0;
        windowLatencyMicros = 0;
        windowMaxLatencyMicros = 0;
      }
    }

    synchronized void printTotal() {
      double seconds = Math.max(1, System.currentTimeMillis() - startMs) / 1000.0;
      out.printf(
          "%d%s records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,"
              + " %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.%n",
          count,
          label,
          count / seconds,
          count * (double) recordBytes / (1024 * 1024) / seconds,
          count == 0 ? 0.0 : totalLatencyMicros / 1000.0 / count,
          latencyMicros.getMaxValue() / 1000.0,
          latencyMicros.getValueAtPercentile(50) / 1000.0,
          latencyMicros.getValueAtPercentile(95) / 1000.0,
          latencyMicros.getValueAtPercentile(99) / 1000.0,
          latencyMicros.getValueAtPercentile(99.9) / 1000.0);
      out.flush();
    }
  }
}
