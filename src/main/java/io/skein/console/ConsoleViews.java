package io.skein.console;

import io.skein.broker.ConfigAdmin;
import io.skein.broker.TopicAdmin;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupMembership;
import io.skein.group.GroupOffsetQueries;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.metrics.SampleRing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What the console's API answers, as JSON: the broker's answers cut to what the pages show. */
final class ConsoleViews {

  private ConsoleViews() {}

  /** The session's user ({@code ANONYMOUS} without authentication) and whether the console asks for a login. */
  record SessionView(String user, boolean authentication) {}

  /** A live broker with how many partitions it leads and holds a replica of. */
  record BrokerView(int id, String host, int port, String rack, boolean controller, int leaders, int replicas) {}

  record ClusterView(String clusterId, int controllerId, List<BrokerView> brokers, int topics, int partitions,
      int offlinePartitions, int underReplicatedPartitions, long timestamp) {}

  /** {@code records}, {@code sizeBytes} and {@code endOffsets} sum the partitions whose leader answered. */
  record TopicSummary(String name, String topicId, int partitions, int replicationFactor, long records,
      long sizeBytes, long endOffsets, int underReplicated, int offline) {}

  /** Log figures are null where the leader did not answer (none elected, or unreachable). */
  record PartitionView(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
      Long logStartOffset, Long highWatermark, Long logEndOffset, Long sizeBytes, Integer segments) {}

  /** Samples oldest first, each a time, the partitions' high watermarks summed and their sizes summed. */
  record TopicHistoryView(long[] timestamps, long[] endOffsets, long[] sizeBytes) {}

  /** Samples oldest first, each a time and the group's total lag. */
  record GroupHistoryView(long[] timestamps, long[] totalLag) {}

  record ConfigView(String name, String value, String source, boolean readOnly) {}

  record TopicView(String name, String topicId, List<PartitionView> partitions, List<ConfigView> configs,
      long timestamp) {}

  record HeaderView(String key, Payloads.Payload value) {}

  record MessageView(int partition, long offset, long timestamp, Payloads.Payload key, Payloads.Payload value,
      List<HeaderView> headers) {}

  /** Messages from {@code startOffset}; {@code nextOffset} is where the next page (or the tail) goes on. */
  record MessagesView(String topic, int partition, long startOffset, long nextOffset, long logStartOffset,
      long highWatermark, List<MessageView> messages) {}

  record GroupSummary(String groupId, String state, int members, int generation, String assignor,
      int committedPartitions) {}

  record MemberView(String memberId, String clientId, String host, List<String> assignment) {}

  /** -1 where a value is unknown (no committed offset, or the leader did not answer). */
  record LagView(String topic, int partition, String memberId, long committedOffset, long highWatermark, long lag,
      long lagMs) {}

  record GroupView(String groupId, String state, int generation, String assignor, List<MemberView> members,
      List<LagView> lags, long totalLag, long timestamp) {}

  record ResetView(String topic, int partition, long previousOffset, long offset) {}

  static ClusterView cluster(TopicAdmin.ClusterDescription cluster, Map<String, Topic> topics) {
    Map<Integer, int[]> counts = new TreeMap<>();
    cluster.brokers().forEach(broker -> counts.put(broker.id(), new int[2]));
    int partitions = 0;
    int offline = 0;
    int underReplicated = 0;
    for (Topic topic : topics.values()) {
      for (ReplicaAssignment assignment : topic.partitions()) {
        partitions++;
        if (assignment.leader() < 0) {
          offline++;
        } else if (counts.containsKey(assignment.leader())) {
          counts.get(assignment.leader())[0]++;
        }
        if (assignment.isr().size() < assignment.replicas().size()) {
          underReplicated++;
        }
        assignment.replicas().forEach(replica -> {
          if (counts.containsKey(replica)) {
            counts.get(replica)[1]++;
          }
        });
      }
    }
    List<BrokerView> brokers = new ArrayList<>();
    for (BrokerAddress broker : cluster.brokers()) {
      int[] count = counts.get(broker.id());
      brokers.add(new BrokerView(broker.id(), broker.host(), broker.port(), broker.rack(),
          broker.id() == cluster.controllerId(), count[0], count[1]));
    }
    brokers.sort(Comparator.comparingInt(BrokerView::id));
    return new ClusterView(cluster.clusterId(), cluster.controllerId(), brokers, topics.size(), partitions, offline,
        underReplicated, System.currentTimeMillis());
  }

  static TopicSummary summary(Topic topic, ClusterLogs.Snapshot logs) {
    long records = 0;
    long size = 0;
    long ends = 0;
    int underReplicated = 0;
    int offline = 0;
    for (int p = 0; p < topic.partitions().size(); p++) {
      ReplicaAssignment assignment = topic.partitions().get(p);
      if (assignment.leader() < 0) {
        offline++;
      }
      if (assignment.isr().size() < assignment.replicas().size()) {
        underReplicated++;
      }
      NodeLogs.PartitionLog log = logs.leaderLog(new PartitionKey(topic.name(), p), assignment.leader());
      if (log != null) {
        records += log.highWatermark() - log.logStartOffset();
        size += log.sizeBytes();
        ends += log.highWatermark();
      }
    }
    int replication = topic.partitions().isEmpty() ? 0 : topic.partitions().get(0).replicas().size();
    return new TopicSummary(topic.name(), topic.topicId(), topic.partitions().size(), replication, records, size, ends,
        underReplicated, offline);
  }

  static TopicView topic(Topic topic, ClusterLogs.Snapshot logs, List<ConfigAdmin.DescribedConfig> configs) {
    List<PartitionView> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions().size(); p++) {
      ReplicaAssignment a = topic.partitions().get(p);
      NodeLogs.PartitionLog log = logs.leaderLog(new PartitionKey(topic.name(), p), a.leader());
      partitions.add(new PartitionView(p, a.leader(), a.leaderEpoch(), a.replicas(), a.isr(),
          log == null ? null : log.logStartOffset(), log == null ? null : log.highWatermark(),
          log == null ? null : log.logEndOffset(), log == null ? null : log.sizeBytes(),
          log == null ? null : log.segments()));
    }
    return new TopicView(topic.name(), topic.topicId(), partitions, configs(configs), System.currentTimeMillis());
  }

  /** The logs a topic was created with, as its leaders answered the creation. */
  static ClusterLogs.Snapshot logs(TopicAdmin.TopicDescription created) {
    Map<Integer, Map<PartitionKey, NodeLogs.PartitionLog>> byBroker = new HashMap<>();
    for (TopicAdmin.PartitionDescription partition : created.partitions()) {
      TopicAdmin.LogState log = partition.log();
      if (log != null) {
        byBroker.computeIfAbsent(partition.assignment().leader(), id -> new HashMap<>()).put(
            new PartitionKey(created.topic().name(), partition.partition()),
            new NodeLogs.PartitionLog(created.topic().name(), partition.partition(), log.logStartOffset(),
                log.highWatermark(), log.logEndOffset(), log.sizeBytes(), log.segments()));
      }
    }
    return new ClusterLogs.Snapshot(byBroker);
  }

  static TopicHistoryView topicHistory(SampleRing.Samples samples) {
    return new TopicHistoryView(samples.timesMs(), samples.values()[0], samples.values()[1]);
  }

  static GroupHistoryView groupHistory(SampleRing.Samples samples) {
    return new GroupHistoryView(samples.timesMs(), samples.values()[0]);
  }

  static List<ConfigView> configs(List<ConfigAdmin.DescribedConfig> configs) {
    return configs.stream()
        .map(config -> new ConfigView(config.name(), config.value(), config.source().name(), config.readOnly()))
        .toList();
  }

  static GroupSummary summary(GroupCoordinator.Description group) {
    return new GroupSummary(group.groupId(), group.state(), group.members().size(), group.generation(),
        group.assignor(), group.offsets().size());
  }

  static GroupView group(GroupCoordinator.Description group, List<GroupOffsetQueries.PartitionLag> lags) {
    List<MemberView> members = new ArrayList<>();
    for (GroupMembership.Member member : group.members()) {
      Set<PartitionKey> owned = group.owned().getOrDefault(member.memberId(), Set.of());
      members.add(new MemberView(member.memberId(), member.clientId(), member.host(),
          owned.stream().map(PartitionKey::toString).sorted().toList()));
    }
    long total = 0;
    List<LagView> lagViews = new ArrayList<>();
    for (GroupOffsetQueries.PartitionLag lag : lags) {
      total += Math.max(0, lag.lag());
      lagViews.add(new LagView(lag.partition().topic(), lag.partition().partition(), lag.memberId(),
          lag.committedOffset(), lag.highWatermark(), lag.lag(), lag.lagMs()));
    }
    lagViews.sort(Comparator.comparing(LagView::topic).thenComparingInt(LagView::partition));
    return new GroupView(group.groupId(), group.state(), group.generation(), group.assignor(), members, lagViews, total,
        System.currentTimeMillis());
  }

  static List<ResetView> resets(List<GroupOffsetQueries.OffsetReset> resets) {
    return resets.stream()
        .map(r -> new ResetView(r.partition().topic(), r.partition().partition(), r.previousOffset(), r.offset()))
        .sorted(Comparator.comparing(ResetView::topic).thenComparingInt(ResetView::partition))
        .toList();
  }
}
