package io.skein.cli;

import io.skein.client.Admin;
import io.skein.proto.v1.UserDescription;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The cluster's SCRAM users, as {@code kafka-configs --entity-type users} manages them: list,
 * add (or change the password of) and delete.
 */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description = "List, add (or change the password of) or delete the cluster's SCRAM users.")
final class UsersCommand implements Callable<Integer> {

  static final class Action {
    @Option(names = "--list", required = true, description = "List users with their mechanisms and iterations.")
    boolean list;
    @Option(names = "--add", required = true, paramLabel = "NAME",
        description = "Create a user, or set a new password for it.")
    String add;
    @Option(names = "--delete", required = true, paramLabel = "NAME",
        description = "Delete a user's credentials (those of --mechanism only, if given).")
    String delete;
  }

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  // --password authenticates this command (an option of every command): the new user's is another.
  @Option(names = "--new-password", paramLabel = "PASSWORD", defaultValue = "${env:SKEIN_NEW_PASSWORD}",
      description = "With --add: the user's password; default: the SKEIN_NEW_PASSWORD environment variable,"
          + " which, unlike this option, other users of the machine cannot see.")
  String newPassword;

  @Option(names = "--mechanism", paramLabel = "MECHANISM",
      description = "SCRAM-SHA-256 or SCRAM-SHA-512 (repeatable); default: both with --add, all the user has with"
          + " --delete.")
  List<String> mechanisms = new ArrayList<>();

  @Option(names = "--iterations", paramLabel = "N", defaultValue = "4096",
      description = "With --add: PBKDF2 iterations, 4096 to 16384; default: ${DEFAULT-VALUE}.")
  int iterations;

  @Override
  public Integer call() {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    Retries retries = connection.retries(spec.commandLine().getErr());
    try (Admin admin = connection.admin(cli.channelFactory())) {
      if (action.list) {
        retries.call(admin::listUsers).forEach(user -> out.println(line(user)));
      } else if (action.add != null) {
        UserDescription user = retries.call(() -> admin.upsertUser(action.add, newPassword, mechanisms, iterations));
        out.println("Set the password of user " + user.getName() + ": " + credentials(user) + ".");
      } else {
        retries.run(() -> admin.deleteUser(action.delete, mechanisms));
        out.println("Deleted " + (mechanisms.isEmpty() ? "user " + action.delete
            : String.join(", ", mechanisms) + " credentials of user " + action.delete) + ".");
      }
    }
    return 0;
  }

  private void validate() {
    if (action.add != null && (newPassword == null || newPassword.isEmpty())) {
      throw usage("--add needs a password: --new-password or SKEIN_NEW_PASSWORD");
    }
    if (action.add == null && spec.commandLine().getParseResult().hasMatchedOption("--new-password")) {
      throw usage("--new-password goes with --add only");
    }
    if (action.add == null && spec.commandLine().getParseResult().hasMatchedOption("--iterations")) {
      throw usage("--iterations goes with --add only");
    }
    if (action.list && !mechanisms.isEmpty()) {
      throw usage("--mechanism goes with --add or --delete");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** As kafka-configs --describe prints a user: {@code alice  SCRAM-SHA-256=iterations=4096,...}. */
  static String line(UserDescription user) {
    return user.getName() + "\t" + credentials(user);
  }

  private static String credentials(UserDescription user) {
    return user.getCredentialsList().stream()
        .map(credential -> credential.getMechanism() + "=iterations=" + credential.getIterations())
        .collect(Collectors.joining(","));
  }
}
