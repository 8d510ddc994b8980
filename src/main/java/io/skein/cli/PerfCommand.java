package io.skein.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Benchmarks, like kafka-producer-perf-test and kafka-consumer-perf-test. */
@Command(
    name = "perf",
    mixinStandardHelpOptions = true,
    description = "Measure producer or consumer throughput and latency.",
    subcommands = {ProducePerfCommand.class, ConsumePerfCommand.class})
final class PerfCommand implements Callable<Integer> {

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand: produce or consume");
  }
}
