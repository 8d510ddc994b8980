package io.skein.cli;

import io.skein.client.Admin;
import io.skein.proto.v1.ConfigEntry;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.TopicDescription;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

/** Like kafka-topics: create, list, describe, delete and alter topics. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "Create, list, describe, delete or alter (configs of) topics.")
final class TopicsCommand implements Callable<Integer> {

  static final class Action {
    @Option(names = "--create", required = true, description = "Create a topic.") boolean create;
    @Option(names = "--list", required = true, description = "List topic names.") boolean list;
    @Option(names = "--describe", required = true, description = "Describe a topic, or all.") boolean describe;
    @Option(names = "--delete", required = true, description = "Delete a topic.") boolean delete;
    @Option(names = "--alter", required = true, description = "Set or remove topic config overrides, or add partitions.") boolean alter;
  }

  @ParentCommand SkeinCli cli;
  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic.")
  String topic;

  /** The API's "broker default" for partitions and replication factor. */
  private static final int BROKER_DEFAULT = -1;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Partitions of a new topic (default: the broker's default-partitions), or with --alter"
          + " the topic's new, larger partition count.")
  Integer partitions;

  @Option(names = "--replication-factor", paramLabel = "N", description = "Copies of each partition (default: the broker's default-replication-factor).")
  Integer replicationFactor;

  @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A topic config override.")
  Map<String, String> configs = new LinkedHashMap<>();

  @Option(names = "--delete-config", paramLabel = "KEY", description = "A topic config override to remove.")
  List<String> deleteConfigs = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    validate();
    Retries retries = connection.retries(spec.commandLine().getErr());
    try (Admin admin = connection.admin(cli.channelFactory())) {
      if (action.create) {
        retries.call(() -> admin.createTopic(topic, partitions == null ? BROKER_DEFAULT : partitions,
            replicationFactor == null ? BROKER_DEFAULT : replicationFactor, configs));
        out.println("Created topic " + topic + ".");
      } else if (action.list) {
        retries.call(admin::listTopics).forEach(out::println);
      } else if (action.describe) {
        for (TopicDescription described : retries.call(
            () -> admin.describeTopics(topic == null ? List.of() : List.of(topic)))) {
          if (described.getError().getCode() != ErrorCode.NONE) {
            throw new SkeinCli.CommandFailedException(
                described.getError().getCode() + ": " + described.getError().getMessage());
          }
          printDescription(out, described);
        }
      } else if (action.delete) {
        retries.run(() -> admin.deleteTopic(topic));
        out.println("Deleted topic " + topic + ".");
      } else {
        if (partitions != null) {
          retries.call(() -> admin.createPartitions(topic, partitions));
          out.println("Topic " + topic + " now has " + partitions + " partitions.");
        }
        if (!configs.isEmpty() || !deleteConfigs.isEmpty()) {
          retries.call(() -> admin.alterTopicConfigs(topic, configs, deleteConfigs));
          out.println("Updated config for topic " + topic + ".");
        }
      }
    }
    return 0;
  }

  private void validate() {
    boolean needsTopic = action.create || action.delete || action.alter;
    if (needsTopic && topic == null) {
      throw usage("--topic is required with --create, --delete and --alter");
    }
    if (action.alter && replicationFactor != null) {
      throw usage("changing the replication factor is not supported; use --partitions or --config with --alter");
    }
    if (!action.create && !action.alter && (partitions != null || replicationFactor != null)) {
      throw usage("--partitions goes with --create or --alter, --replication-factor with --create only");
    }
    if (action.alter && partitions == null && configs.isEmpty() && deleteConfigs.isEmpty()) {
      throw usage("--alter needs --partitions, --config or --delete-config");
    }
    if (!action.create && !action.alter && !configs.isEmpty()) {
      throw usage("--config goes with --create or --alter only");
    }
    if (!action.alter && !deleteConfigs.isEmpty()) {
      throw usage("--delete-config goes with --alter only");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Prints as kafka-topics --describe does: a line for the topic, then one per partition. */
  static void printDescription(PrintWriter out, TopicDescription topic) {
    int replicationFactor = topic.getPartitionsCount() == 0 ? 0 : topic.getPartitions(0).getReplicasCount();
    String overrides =
        topic.getConfigsList().stream()
            .filter(ConfigEntry::getIsOverride)
            .map(c -> c.getName() + "=" + c.getValue())
            .collect(Collectors.joining(","));
    boolean compacted =
        topic.getConfigsList().stream()
            .anyMatch(c -> c.getName().equals("cleanup.policy") && c.getValue().contains("compact"));
    out.println(
        "Topic: " + topic.getName()
            + "\tTopicId: " + topic.getTopicId()
            + "\tPartitionCount: " + topic.getPartitionsCount()
            + "\tReplicationFactor: " + replicationFactor
            + "\tConfigs: " + overrides);
    for (PartitionDescription partition : topic.getPartitionsList()) {
      out.println(
          "\tTopic: " + topic.getName()
              + "\tPartition: " + partition.getPartition()
              + "\tLeader: " + (partition.getLeader() < 0 ? "none" : partition.getLeader())
              + "\tReplicas: " + join(partition.getReplicasList())
              + "\tIsr: " + join(partition.getIsrList())
              + "\tLogStartOffset: " + partition.getLogStartOffset()
              + "\tHighWatermark: " + partition.getHighWatermark()
              + "\tSize: " + partition.getSizeBytes()
              + (compacted
                  ? "\tCleanOffset: " + partition.getCleanOffset()
                      + String.format("\tDirtyRatio: %.2f", partition.getDirtyRatio())
                  : ""));
    }
  }

  private static String join(List<Integer> ids) {
    return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
