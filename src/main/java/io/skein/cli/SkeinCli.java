package io.skein.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code skein} command. */
@Command(name = "skein", mixinStandardHelpOptions = true, subcommands = {BrokerCommand.class},
    description = "Skein: a Kafka-style event streaming broker.")
public final class SkeinCli {

  public static void main(String[] args) {
    int code = new CommandLine(new SkeinCli()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
