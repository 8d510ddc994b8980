package io.skein.cli;

import io.skein.client.Admin;
import io.skein.proto.v1.AclBinding;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The cluster's ACLs, as {@code kafka-acls} manages them: list, add and remove. Each principal
 * from each of its hosts, allowed or denied each operation, on each resource given, is one ACL;
 * {@code --producer} and {@code --consumer} stand for the operations those roles need.
 */
@Command(
    name = "acls",
    mixinStandardHelpOptions = true,
    description = "List, add or remove the cluster's ACLs (brokers with skein.security.authorizer = acl).")
final class AclsCommand implements Callable<Integer> {

  static final class Action {
    @Option(names = "--list", required = true,
        description = "List the ACLs of the given resources (all ACLs without one), of --principal only if given.")
    boolean list;
    @Option(names = "--add", required = true,
        description = "Add the ACLs of the given principals, hosts and operations on the given resources.")
    boolean add;
    @Option(names = "--remove", required = true, description = "Remove the ACLs the principals, hosts and"
        + " operations name (operation default: All) on the given resources; without a principal, every ACL of the"
        + " resources (of the --resource-pattern-type filter).")
    boolean remove;
  }

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "A topic, a prefix, or * for all (repeatable).")
  List<String> topics = new ArrayList<>();

  @Option(names = "--group", paramLabel = "GROUP", description = "A consumer group, a prefix, or * for all"
      + " (repeatable).")
  List<String> groups = new ArrayList<>();

  @Option(names = "--transactional-id", paramLabel = "ID", description = "A transactional id, a prefix, or * for"
      + " all (repeatable).")
  List<String> transactionalIds = new ArrayList<>();

  @Option(names = "--cluster", description = "The cluster (" + Acl.CLUSTER_NAME + ", always LITERAL).")
  boolean cluster;

  @Option(names = "--resource-pattern-type", paramLabel = "TYPE", defaultValue = "LITERAL",
      description = "LITERAL or PREFIXED; with --list and --remove also ANY (any pattern type, the name exactly) or"
          + " MATCH (every ACL that applies to the named resources); default: ${DEFAULT-VALUE}.")
  String patternType;

  @Option(names = "--allow-principal", paramLabel = "PRINCIPAL",
      description = "User:NAME, or User:* for every user, to allow (repeatable).")
  List<String> allowPrincipals = new ArrayList<>();

  @Option(names = "--deny-principal", paramLabel = "PRINCIPAL",
      description = "User:NAME, or User:* for every user, to deny; a DENY wins over every ALLOW (repeatable).")
  List<String> denyPrincipals = new ArrayList<>();

  @Option(names = "--allow-host", paramLabel = "HOST",
      description = "An IP address the --allow-principal ACLs hold for (repeatable); default: * (every host).")
  List<String> allowHosts = new ArrayList<>();

  @Option(names = "--deny-host", paramLabel = "HOST",
      description = "An IP address the --deny-principal ACLs hold for (repeatable); default: * (every host).")
  List<String> denyHosts = new ArrayList<>();

  @Option(names = "--operation", paramLabel = "OPERATION", description = "Read, Write, Create, Delete, Alter,"
      + " Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite or All (repeatable); default: All.")
  List<String> operations = new ArrayList<>();

  @Option(names = "--principal", paramLabel = "PRINCIPAL",
      description = "With --list: only the ACLs of this principal (repeatable).")
  List<String> listPrincipals = new ArrayList<>();

  @Option(names = "--producer", description = "The producer's ACLs: WRITE, DESCRIBE and CREATE on each --topic,"
      + " WRITE and DESCRIBE on each --transactional-id.")
  boolean producer;

  @Option(names = "--idempotent", description = "With --producer: also IDEMPOTENT_WRITE on the cluster.")
  boolean idempotent;

  @Option(names = "--consumer", description = "The consumer's ACLs: READ and DESCRIBE on each --topic, READ on each"
      + " --group.")
  boolean consumer;

  @Override
  public Integer call() {
    PatternType pattern = validate();
    List<AclBinding> request = action.list ? listFilters(pattern)
        : action.add ? List.copyOf(bindings(pattern)) : removeFilters(pattern);
    PrintWriter out = spec.commandLine().getOut();
    Retries retries = connection.retries(spec.commandLine().getErr());
    try (Admin admin = connection.admin(cli.channelFactory())) {
      if (action.list) {
        Set<String> lines = new TreeSet<>();
        for (AclBinding filter : request) {
          retries.call(() -> admin.listAcls(filter)).forEach(acl -> lines.add(line(acl)));
        }
        lines.forEach(out::println);
      } else if (action.add) {
        retries.run(() -> admin.createAcls(request));
        request.forEach(acl -> out.println("Added " + line(acl)));
      } else {
        List<AclBinding> removed = retries.call(() -> admin.deleteAcls(request));
        removed.stream().map(AclsCommand::line).sorted().forEach(line -> out.println("Removed " + line));
        if (removed.isEmpty()) {
          out.println("No ACL matched; nothing removed.");
        }
      }
    }
    return 0;
  }

  /** Checks the options as kafka-acls does; returns the pattern type they give. */
  private PatternType validate() {
    PatternType pattern = patternType(patternType);
    boolean principals = !allowPrincipals.isEmpty() || !denyPrincipals.isEmpty();
    boolean roles = producer || consumer;
    if (action.list && (principals || !allowHosts.isEmpty() || !denyHosts.isEmpty() || roles
        || !operations.isEmpty())) {
      throw usage("--list takes resources and --principal only; --allow-principal, --deny-principal, --allow-host,"
          + " --deny-host, --operation, --producer and --consumer go with --add or --remove");
    }
    if (!action.list && !listPrincipals.isEmpty()) {
      throw usage("--principal goes with --list; --add and --remove take --allow-principal or --deny-principal");
    }
    if (!allowHosts.isEmpty() && allowPrincipals.isEmpty() || !denyHosts.isEmpty() && denyPrincipals.isEmpty()) {
      throw usage("--allow-host goes with --allow-principal, --deny-host with --deny-principal");
    }
    if (action.add && !principals) {
      throw usage("--add needs --allow-principal or --deny-principal");
    }
    if (action.add && pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
      throw usage("--resource-pattern-type " + pattern + " is a filter: --add takes LITERAL or PREFIXED");
    }
    if (!action.list && !operations.isEmpty() && !principals) {
      throw usage("--operation needs --allow-principal or --deny-principal");
    }
    if (!action.list && topics.isEmpty() && groups.isEmpty() && transactionalIds.isEmpty() && !cluster) {
      throw usage("--" + (action.add ? "add" : "remove")
          + " needs a resource: --topic, --group, --transactional-id or --cluster");
    }
    if (idempotent && !producer) {
      throw usage("--idempotent goes with --producer");
    }
    if (roles) {
      validateRoles(principals);
    }
    Stream.concat(Stream.concat(allowPrincipals.stream(), denyPrincipals.stream()), listPrincipals.stream())
        .forEach(this::checkPrincipal);
    return pattern;
  }

  private void validateRoles(boolean principals) {
    if (!operations.isEmpty() || !denyPrincipals.isEmpty()) {
      throw usage("--producer and --consumer allow the operations of their role: no --operation or --deny-principal");
    }
    if (!principals) {
      throw usage("--producer and --consumer need --allow-principal");
    }
    if (producer && topics.isEmpty()) {
      throw usage("--producer needs --topic");
    }
    if (consumer && (topics.isEmpty() || groups.isEmpty())) {
      throw usage("--consumer needs --topic and --group");
    }
    if (cluster || !groups.isEmpty() && !consumer || !transactionalIds.isEmpty() && !producer) {
      throw usage("--producer takes --topic and --transactional-id (--idempotent for the cluster), --consumer"
          + " --topic and --group");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private PatternType patternType(String name) {
    try {
      return PatternType.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException unknown) {
      throw usage("--resource-pattern-type must be LITERAL, PREFIXED, ANY or MATCH, not " + name);
    }
  }

  /** As kafka-acls parses it: {@code Read}, {@code IdempotentWrite}, or the enum name. */
  private Operation operation(String name) {
    String constant = name.trim().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    List<Operation> named = Arrays.stream(Operation.values()).filter(operation -> operation != Operation.ANY)
        .toList();
    return named.stream().filter(operation -> operation.name().equals(constant)).findFirst()
        .orElseThrow(() -> usage("unknown --operation " + name + "; one of "
            + named.stream().map(Enum::name).collect(Collectors.joining(", "))));
  }

  private void checkPrincipal(String principal) {
    int colon = principal.indexOf(':');
    if (colon <= 0 || colon == principal.length() - 1) {
      throw usage("a principal is TYPE:NAME, e.g. User:alice or User:*, not \"" + principal + "\"");
    }
  }

  /** Kafka's AclEntry.supportedOperations, and ALL: what an ACL on a resource of the type may name. */
  private static Set<Operation> supportedOperations(ResourceType type) {
    Set<Operation> supported = switch (type) {
      case TOPIC -> EnumSet.of(Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DESCRIBE,
          Operation.DELETE, Operation.ALTER, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS);
      case GROUP -> EnumSet.of(Operation.READ, Operation.DESCRIBE, Operation.DELETE, Operation.DESCRIBE_CONFIGS,
          Operation.ALTER_CONFIGS);
      case CLUSTER -> EnumSet.of(Operation.CREATE, Operation.CLUSTER_ACTION, Operation.DESCRIBE_CONFIGS,
          Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE, Operation.ALTER, Operation.DESCRIBE);
      case TRANSACTIONAL_ID -> EnumSet.of(Operation.DESCRIBE, Operation.WRITE);
      case ANY -> EnumSet.noneOf(Operation.class);
    };
    supported.add(Operation.ALL);
    return supported;
  }

  /** A resource pattern (or, with ANY or MATCH, a pattern filter): a binding without its entry. */
  private static AclBinding resource(ResourceType type, String name, PatternType pattern) {
    return AclBinding.newBuilder().setResourceType(type.name()).setResourceName(name.trim())
        .setPatternType(pattern.name()).build();
  }

  private List<AclBinding> resources(ResourceType type, List<String> names, PatternType pattern) {
    return names.stream().map(name -> resource(type, name, pattern)).toList();
  }

  /** Every resource the options name; the cluster's pattern is LITERAL whatever the pattern type. */
  private List<AclBinding> resources(PatternType pattern) {
    List<AclBinding> all = new ArrayList<>(resources(ResourceType.TOPIC, topics, pattern));
    all.addAll(resources(ResourceType.GROUP, groups, pattern));
    all.addAll(resources(ResourceType.TRANSACTIONAL_ID, transactionalIds, pattern));
    if (cluster) {
      all.add(clusterResource());
    }
    return all;
  }

  private static AclBinding clusterResource() {
    return resource(ResourceType.CLUSTER, Acl.CLUSTER_NAME, PatternType.LITERAL);
  }

  /**
   * The ACLs the options name, as kafka-acls builds them: for the operations given, on every
   * resource; with --producer and --consumer, their roles' operations on the resources of the role.
   */
  private Set<AclBinding> bindings(PatternType pattern) {
    Set<AclBinding> acls = new LinkedHashSet<>();
    if (!producer && !consumer) {
      Set<Operation> given = operations.isEmpty() ? EnumSet.of(Operation.ALL)
          : operations.stream().map(this::operation).collect(Collectors.toCollection(() -> EnumSet.noneOf(
              Operation.class)));
      resources(pattern).forEach(resource -> addEntries(acls, resource, given));
    }
    if (producer) {
      resources(ResourceType.TOPIC, topics, pattern).forEach(topic -> addEntries(acls, topic,
          EnumSet.of(Operation.WRITE, Operation.DESCRIBE, Operation.CREATE)));
      resources(ResourceType.TRANSACTIONAL_ID, transactionalIds, pattern).forEach(id -> addEntries(acls, id,
          EnumSet.of(Operation.WRITE, Operation.DESCRIBE)));
      if (idempotent) {
        addEntries(acls, clusterResource(), EnumSet.of(Operation.IDEMPOTENT_WRITE));
      }
    }
    if (consumer) {
      resources(ResourceType.TOPIC, topics, pattern).forEach(topic -> addEntries(acls, topic,
          EnumSet.of(Operation.READ, Operation.DESCRIBE)));
      resources(ResourceType.GROUP, groups, pattern).forEach(group -> addEntries(acls, group,
          EnumSet.of(Operation.READ)));
    }
    return acls;
  }

  /** Every allowed and denied principal, from each of its hosts, for each operation, on the resource. */
  private void addEntries(Set<AclBinding> acls, AclBinding resource, Set<Operation> operations) {
    ResourceType type = ResourceType.valueOf(resource.getResourceType());
    Set<Operation> unsupported = EnumSet.copyOf(operations);
    unsupported.removeAll(supportedOperations(type));
    if (!unsupported.isEmpty()) {
      throw usage("ResourceType " + type + " only supports operations " + supportedOperations(type) + ", not "
          + unsupported);
    }
    addEntries(acls, resource, operations, allowPrincipals, allowHosts, Permission.ALLOW);
    addEntries(acls, resource, operations, denyPrincipals, denyHosts, Permission.DENY);
  }

  private static void addEntries(Set<AclBinding> acls, AclBinding resource, Set<Operation> operations,
      List<String> principals, List<String> hosts, Permission permission) {
    for (String principal : principals) {
      for (String host : hosts.isEmpty() ? List.of(Acl.WILDCARD) : hosts) {
        for (Operation operation : operations) {
          acls.add(resource.toBuilder().setPrincipal(principal.trim()).setHost(host.trim())
              .setOperation(operation.name()).setPermission(permission.name()).build());
        }
      }
    }
  }

  /** Without a principal, each resource's filter matches all of its ACLs (kafka-acls asks first; this does not). */
  private List<AclBinding> removeFilters(PatternType pattern) {
    boolean principals = !allowPrincipals.isEmpty() || !denyPrincipals.isEmpty();
    return principals ? List.copyOf(bindings(pattern)) : resources(pattern);
  }

  /** One filter per resource and --principal; no resource: every ACL (any pattern type), as kafka-acls. */
  private List<AclBinding> listFilters(PatternType pattern) {
    List<AclBinding> resourceFilters = resources(pattern);
    if (resourceFilters.isEmpty()) {
      resourceFilters = List.of(AclBinding.getDefaultInstance());
    }
    if (listPrincipals.isEmpty()) {
      return resourceFilters;
    }
    List<AclBinding> filters = new ArrayList<>();
    for (AclBinding resource : resourceFilters) {
      listPrincipals.forEach(principal -> filters.add(resource.toBuilder().setPrincipal(principal.trim()).build()));
    }
    return filters;
  }

  /** As kafka-acls prints an ACL, on one line: its resource pattern, then its entry. */
  static String line(AclBinding acl) {
    return "ResourcePattern(resourceType=" + acl.getResourceType() + ", name=" + acl.getResourceName()
        + ", patternType=" + acl.getPatternType() + ")\t(principal=" + acl.getPrincipal() + ", host=" + acl.getHost()
        + ", operation=" + acl.getOperation() + ", permissionType=" + acl.getPermission() + ")";
  }
}
