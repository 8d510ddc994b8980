package io.skein.cli;

import picocli.CommandLine.Option;

/** {@code --bootstrap-server}, shared by every command that talks to brokers. */
final class ConnectionOptions {

  @Option(
      names = "--bootstrap-server",
      required = true,
      paramLabel = "HOST:PORT",
      converter = BootstrapServerConverter.class,
      description = "Broker(s) to connect to, host:port[,host:port...].")
  String bootstrapServer;
}
