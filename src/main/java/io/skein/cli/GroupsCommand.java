package io.skein.cli;

import io.skein.client.Admin;
import io.skein.proto.v1.DescribeGroupResponse;
import io.skein.proto.v1.GroupListing;
import io.skein.proto.v1.GroupState;
import io.skein.proto.v1.MemberDescription;
import io.skein.proto.v1.OffsetChange;
import io.skein.proto.v1.PartitionLag;
import io.skein.proto.v1.ResetOffsetsRequest;
import io.skein.proto.v1.ResetOffsetsResponse;
import io.skein.proto.v1.TopicPartitions;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

/** Like kafka-consumer-groups: list, describe, reset offsets of and delete consumer groups. */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = "List, describe, reset the offsets of, or delete consumer groups.")
final class GroupsCommand implements Callable<Integer> {

  static final class Action {
    @Option(names = "--list", required = true, description = "List group ids.") boolean list;
    @Option(names = "--describe", required = true, description = "Describe a group: state, members, lag.") boolean describe;
    @Option(names = "--reset-offsets", required = true,
        description = "Reset a group's committed offsets (a dry run unless --execute); the group must have no members.")
    boolean resetOffsets;
    @Option(names = "--delete", required = true, description = "Delete a group without members.") boolean delete;
  }

  static final class ResetTarget {
    @Option(names = "--to-earliest", required = true, description = "To the log start offset.") boolean toEarliest;
    @Option(names = "--to-latest", required = true, description = "To the high watermark.") boolean toLatest;
    @Option(names = "--to-datetime", required = true, paramLabel = "YYYY-MM-DDTHH:mm:SS.sss",
        description = "To the first offset at or after this local time (or with a zone offset, e.g. Z).")
    String toDatetime;
    @Option(names = "--to-offset", required = true, paramLabel = "N",
        description = "To this offset, clamped to the log's range.")
    Long toOffset;
  }

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  @Option(names = "--group", paramLabel = "GROUP", description = "The group.")
  String group;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "With --reset-offsets: only this topic (repeatable).")
  List<String> topics = new ArrayList<>();

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  ResetTarget target;

  @Option(names = "--execute", description = "With --reset-offsets: commit the new offsets (else only print them).")
  boolean execute;

  @Override
  public Integer call() {
    ResetOffsetsRequest reset = validate();
    PrintWriter out = spec.commandLine().getOut();
    Retries retries = connection.retries(spec.commandLine().getErr());
    try (Admin admin = connection.admin(cli.channelFactory())) {
      if (action.list) {
        retries.call(admin::listGroups).stream().map(GroupListing::getGroupId).forEach(out::println);
      } else if (action.describe) {
        printDescription(out, retries.call(() -> admin.describeGroup(group)));
      } else if (action.resetOffsets) {
        ResetOffsetsResponse response = retries.call(() -> admin.resetOffsets(reset));
        printReset(out, response);
        if (!response.getExecuted()) {
          spec.commandLine().getErr().println("Dry run: nothing was changed. Add --execute to commit these offsets.");
        }
      } else {
        retries.run(() -> admin.deleteGroup(group));
        out.println("Deleted group " + group + ".");
      }
    }
    return 0;
  }

  /** Checks the flag combinations; returns the reset request for --reset-offsets. */
  private ResetOffsetsRequest validate() {
    if (!action.list && group == null) {
      throw usage("--group is required with --describe, --reset-offsets and --delete");
    }
    if (!action.resetOffsets && (target != null || execute || !topics.isEmpty())) {
      throw usage("--to-*, --topic and --execute go with --reset-offsets only");
    }
    if (!action.resetOffsets) {
      return null;
    }
    if (target == null) {
      throw usage("--reset-offsets needs one of --to-earliest, --to-latest, --to-datetime, --to-offset");
    }
    ResetOffsetsRequest.Builder request =
        ResetOffsetsRequest.newBuilder().setGroupId(group).addAllTopics(topics).setExecute(execute);
    if (target.toEarliest) {
      request.setToEarliest(true);
    } else if (target.toLatest) {
      request.setToLatest(true);
    } else if (target.toOffset != null) {
      if (target.toOffset < 0) {
        throw usage("--to-offset must be >= 0");
      }
      request.setToOffset(target.toOffset);
    } else {
      request.setToDatetime(epochMillis(target.toDatetime));
    }
    return request.build();
  }

  private long epochMillis(String datetime) {
    try {
      return OffsetDateTime.parse(datetime).toInstant().toEpochMilli();
    } catch (DateTimeParseException withoutZone) {
      try {
        return LocalDateTime.parse(datetime).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        throw usage("--to-datetime must look like 2024-01-31T13:45:00.000, got '" + datetime + "'");
      }
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** As kafka-consumer-groups --describe: the group, its members, then its partitions. */
  static void printDescription(PrintWriter out, DescribeGroupResponse group) {
    List<String[]> summary = new ArrayList<>();
    summary.add(new String[] {"GROUP", "STATE", "ASSIGNOR", "GENERATION", "MEMBERS"});
    summary.add(new String[] {group.getGroupId(), stateName(group.getState()), dash(group.getAssignor()),
        Integer.toString(group.getGeneration()), Integer.toString(group.getMembersCount())});
    printTable(out, summary);

    Map<String, MemberDescription> membersById = new HashMap<>();
    if (group.getMembersCount() > 0) {
      List<String[]> members = new ArrayList<>();
      members.add(new String[] {"MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNMENT", "REVOKING"});
      for (MemberDescription member : group.getMembersList()) {
        membersById.put(member.getMemberId(), member);
        members.add(new String[] {member.getMemberId(), dash(member.getClientId()), dash(member.getHost()),
            dash(partitions(member.getAssignmentList())), dash(partitions(member.getRevokingList()))});
      }
      out.println();
      printTable(out, members);
    }

    if (group.getPartitionsCount() > 0) {
      List<String[]> partitions = new ArrayList<>();
      partitions.add(new String[] {"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "LAG-MS",
          "CONSUMER-ID", "HOST", "CLIENT-ID"});
      for (PartitionLag lag : group.getPartitionsList()) {
        MemberDescription owner = membersById.get(lag.getMemberId());
        partitions.add(new String[] {lag.getTopic(), Integer.toString(lag.getPartition()),
            number(lag.getCommittedOffset()), number(lag.getHighWatermark()), number(lag.getLag()),
            number(lag.getLagMs()), dash(lag.getMemberId()), owner == null ? "-" : dash(owner.getHost()),
            owner == null ? "-" : dash(owner.getClientId())});
      }
      out.println();
      printTable(out, partitions);
    }
  }

  private static void printReset(PrintWriter out, ResetOffsetsResponse response) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"});
    for (OffsetChange change : response.getChangesList()) {
      rows.add(new String[] {change.getTopic(), Integer.toString(change.getPartition()),
          number(change.getPreviousOffset()), Long.toString(change.getOffset())});
    }
    printTable(out, rows);
  }

  /** Kafka's names for group states. */
  private static String stateName(GroupState state) {
    return switch (state) {
      case EMPTY -> "Empty";
      case PREPARING_REBALANCE -> "PreparingRebalance";
      case COMPLETING_REBALANCE -> "CompletingRebalance";
      case STABLE -> "Stable";
      case DEAD -> "Dead";
      default -> "Unknown";
    };
  }

  /** Columns padded to their widest cell, two spaces apart. */
  private static void printTable(PrintWriter out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.println(line);
    }
  }

  private static String partitions(List<TopicPartitions> grouped) {
    return grouped.stream()
        .map(t -> t.getTopic() + "(" + t.getPartitionsList().stream().map(String::valueOf).collect(Collectors.joining(",")) + ")")
        .collect(Collectors.joining(","));
  }

  private static String number(long value) {
    return value < 0 ? "-" : Long.toString(value);
  }

  private static String dash(String value) {
    return value.isEmpty() ? "-" : value;
  }
}
