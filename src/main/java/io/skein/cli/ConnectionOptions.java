package io.skein.cli;

import io.skein.client.Admin;
import io.skein.client.ChannelFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bootstrap-server} and {@code --timeout}, shared by every command that talks to brokers. */
final class ConnectionOptions {

  /** Longest a single broker call may take, as the client's default request.timeout.ms. */
  private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  @Option(
      names = "--bootstrap-server",
      required = true,
      paramLabel = "HOST:PORT",
      converter = BootstrapServerConverter.class,
      description = "Broker(s) to connect to, host:port[,host:port...].")
  String bootstrapServer;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "How long to keep retrying while no broker answers or the broker reports a retriable error"
          + " (starting, leader moving); default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  Duration timeout() {
    return Duration.ofSeconds(Math.max(0, timeoutSeconds));
  }

  /** Retries for this command's broker calls, telling {@code err} what they wait for. */
  Retries retries(PrintWriter err) {
    return new Retries(bootstrapServer, timeout(), err);
  }

  /** An admin client whose single calls end within the timeout. */
  Admin admin(ChannelFactory channelFactory) {
    long requestTimeoutMs = timeout().isZero()
        ? MAX_REQUEST_TIMEOUT.toMillis()
        : Math.min(timeout().toMillis(), MAX_REQUEST_TIMEOUT.toMillis());
    return Admin.create(Map.of("bootstrap.servers", bootstrapServer, "request.timeout.ms", requestTimeoutMs),
        channelFactory);
  }

  /**
   * Returns once a broker answers, for commands whose clients retry on their own once they
   * have reached one (produce, consume): so they too wait for a broker that is starting.
   */
  void awaitBroker(ChannelFactory channelFactory, PrintWriter err) {
    try (Admin admin = admin(channelFactory)) {
      retries(err).call(admin::describeCluster);
    }
  }
}
