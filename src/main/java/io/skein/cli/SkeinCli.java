package io.skein.cli;

import io.skein.client.ChannelFactory;
import io.skein.client.SkeinException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code skein} command. Subcommands are listed in the annotation below; a new one
 * only needs adding there. Exit codes are decided here only:
 * 0 success, 1 an error (one line on stderr), 2 a usage error.
 */
@Command(
    name = "skein",
    mixinStandardHelpOptions = true,
    versionProvider = SkeinCli.Version.class,
    description = "Skein event streaming: tools for topics, producing, consuming, consumer groups, users, quotas, ACLs"
        + " and benchmarks.",
    subcommands = {
      BrokerCommand.class, TopicsCommand.class, ProduceCommand.class, ConsumeCommand.class, GroupsCommand.class,
      UsersCommand.class, QuotasCommand.class, AclsCommand.class, PerfCommand.class
    })
public final class SkeinCli implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(SkeinCli.class);

  /** An expected failure: reported as one line on stderr, exit code 1. */
  static final class CommandFailedException extends RuntimeException {
    CommandFailedException(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = SkeinCli.class.getPackage().getImplementationVersion();
      return new String[] {"skein " + (version != null ? version : "(development build)")};
    }
  }

  @Spec CommandSpec spec;

  private final ChannelFactory channelFactory;
  private final InputStream in;

  SkeinCli(ChannelFactory channelFactory, InputStream in) {
    this.channelFactory = channelFactory;
    this.in = in;
  }

  @Option(names = "--tls-ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Connect over TLS, trusting the broker certificates this PEM CA file signed.")
  Path tlsCa;

  @Option(names = "--user", scope = ScopeType.INHERIT,
      description = "Authenticate every call as this user (the broker's skein.grpc.authentication = basic).")
  String user;

  @Option(names = "--password", scope = ScopeType.INHERIT, defaultValue = "${env:SKEIN_PASSWORD}",
      description = "The user's password; default: the SKEIN_PASSWORD environment variable, which, unlike this"
          + " option, other users of the machine cannot see.")
  String password;

  @Option(names = "--bearer-token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Authenticate every call with the bearer token (a JWT) in this file, read at each call"
          + " (the broker's skein.grpc.authentication = bearer); instead of --user.")
  Path bearerTokenFile;

  /** TLS and credentials if asked for on the command line, else the one this CLI was made with. */
  ChannelFactory channelFactory() {
    if (tlsCa == null && user == null && bearerTokenFile == null) {
      return channelFactory;
    }
    if (user != null && bearerTokenFile != null) {
      throw new ParameterException(spec.commandLine(), "give --user or --bearer-token-file, not both");
    }
    if (bearerTokenFile != null) {
      return ChannelFactory.bearer(Optional.ofNullable(tlsCa), bearerTokenFile);
    }
    if (user != null && (password == null || password.isEmpty())) {
      throw new ParameterException(spec.commandLine(), "--user needs a password: --password or SKEIN_PASSWORD");
    }
    return ChannelFactory.secured(Optional.ofNullable(tlsCa), Optional.ofNullable(user), password);
  }

  InputStream in() {
    return in;
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int exitCode = run(new SkeinCli(ChannelFactory.plaintext(), System.in), args, out, err);
    out.flush();
    err.flush();
    System.exit(exitCode);
  }

  /** Runs a command line and returns its exit code. */
  static int run(SkeinCli cli, String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(cli).setOut(out).setErr(err);
    commandLine.setParameterExceptionHandler(
        (ParameterException e, String[] ignored) -> {
          CommandLine failed = e.getCommandLine();
          err.println("Error: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
          err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
          return CommandLine.ExitCode.USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (Exception e, CommandLine failed, CommandLine.ParseResult parsed) -> {
          if (isExpected(e)) {
            err.println("Error: " + e.getMessage());
          } else {
            err.println("Error: unexpected failure: " + e);
            LOG.error("'{}' failed unexpectedly", failed.getCommandSpec().qualifiedName(), e);
          }
          return CommandLine.ExitCode.SOFTWARE;
        });
    int exitCode = commandLine.execute(args);
    out.flush();
    err.flush();
    return exitCode;
  }

  private static boolean isExpected(Exception e) {
    return e instanceof SkeinException
        || e instanceof CommandFailedException
        || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof com.typesafe.config.ConfigException
        || e instanceof java.io.IOException;
  }
}
