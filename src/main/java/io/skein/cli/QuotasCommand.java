package io.skein.cli;

import io.skein.client.Admin;
import io.skein.proto.v1.ClientQuotaEntry;
import io.skein.proto.v1.QuotaEntityPart;
import io.skein.proto.v1.QuotaFilterComponent;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * The cluster's client quotas, as {@code kafka-configs --entity-type users/clients} manages them:
 * describe, and set or remove quotas of one entity (a user, a client id, or both).
 */
@Command(
    name = "quotas",
    mixinStandardHelpOptions = true,
    description = "Describe the cluster's client quotas, or set or remove those of a user and/or client id.")
final class QuotasCommand implements Callable<Integer> {

  /** How the entity options name a default, as kafka-configs prints it. */
  static final String DEFAULT = "<default>";

  static final class Action {
    @Option(names = "--describe", required = true,
        description = "List quotas: of the entities with the given user and/or client id (any other parts), or all.")
    boolean describe;
    @Option(names = "--alter", required = true, description = "Set (--add) or remove (--remove) quotas of one entity.")
    boolean alter;
  }

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  // --user authenticates this command (an option of every command): the quota's user is another.
  @Option(names = "--entity-user", paramLabel = "NAME", description = "The user (" + DEFAULT + ": the default).")
  String user;

  @Option(names = "--entity-client-id", paramLabel = "ID", description = "The client id (" + DEFAULT
      + ": the default).")
  String clientId;

  @Option(names = "--add", paramLabel = "KEY=VALUE", description = "With --alter: producer_byte_rate,"
      + " consumer_byte_rate or request_percentage to set (repeatable).")
  Map<String, Double> add = new LinkedHashMap<>();

  @Option(names = "--remove", paramLabel = "KEY", description = "With --alter: a quota to remove (repeatable).")
  List<String> remove = new ArrayList<>();

  @Override
  public Integer call() {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    Retries retries = connection.retries(spec.commandLine().getErr());
    try (Admin admin = connection.admin(cli.channelFactory())) {
      if (action.describe) {
        retries.call(() -> admin.describeClientQuotas(filter(), false)).stream()
            .map(QuotasCommand::line).sorted().forEach(out::println);
      } else {
        retries.run(() -> admin.alterClientQuotas(entity(), add, remove));
        out.println("Altered the quotas of " + entityName(entity()) + ".");
      }
    }
    return 0;
  }

  private void validate() {
    if (action.describe && (!add.isEmpty() || !remove.isEmpty())) {
      throw usage("--add and --remove go with --alter");
    }
    if (action.alter && user == null && clientId == null) {
      throw usage("--alter needs --entity-user, --entity-client-id or both");
    }
    if (action.alter && add.isEmpty() && remove.isEmpty()) {
      throw usage("--alter needs --add or --remove");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private List<QuotaEntityPart> entity() {
    List<QuotaEntityPart> parts = new ArrayList<>();
    if (user != null) {
      parts.add(part("user", user));
    }
    if (clientId != null) {
      parts.add(part("client-id", clientId));
    }
    return parts;
  }

  private static QuotaEntityPart part(String type, String name) {
    QuotaEntityPart.Builder part = QuotaEntityPart.newBuilder().setType(type);
    if (!DEFAULT.equals(name)) {
      part.setName(name);
    }
    return part.build();
  }

  private List<QuotaFilterComponent> filter() {
    List<QuotaFilterComponent> filter = new ArrayList<>();
    for (QuotaEntityPart part : entity()) {
      filter.add(QuotaFilterComponent.newBuilder().setType(part.getType())
          .setMatch(part.hasName() ? QuotaFilterComponent.Match.EXACT : QuotaFilterComponent.Match.DEFAULT)
          .setName(part.getName()).build());
    }
    return filter;
  }

  /** {@code user=alice,client-id=app  producer_byte_rate=1024,request_percentage=12.5}. */
  static String line(ClientQuotaEntry entry) {
    String quotas = new TreeMap<>(entry.getQuotasMap()).entrySet().stream()
        .map(quota -> quota.getKey() + "=" + number(quota.getValue()))
        .collect(Collectors.joining(","));
    return entityName(entry.getEntityList()) + "\t" + quotas;
  }

  private static String entityName(List<QuotaEntityPart> entity) {
    return entity.stream().map(part -> part.getType() + "=" + (part.hasName() ? part.getName() : DEFAULT))
        .collect(Collectors.joining(","));
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
  }
}
