package io.skein.broker;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import io.skein.cluster.BrokerRoles;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.log.InvalidConfigException;
import io.skein.log.LogConfig;
import io.skein.metadata.BrokerAddress;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Topic and broker configs as Kafka's admin tools see them: each effective value with where it
 * comes from (a topic override, the broker's configuration, or the built-in default) and its
 * synonyms, and changes to a topic's overrides as a whole or operation by operation. Broker
 * configs are read-only: Skein reads them at start. As in Kafka, describing needs
 * DESCRIBE_CONFIGS and changing ALTER_CONFIGS, on the topic or (for broker configs) the cluster.
 */
public final class ConfigAdmin {

  /** Where an effective value comes from, most specific first. */
  public enum Source { TOPIC_OVERRIDE, BROKER_CONFIG, DEFAULT }

  public enum Type { STRING, INT, LONG, DOUBLE, LIST }

  /** One of the values that could set a config, most specific first (Kafka's synonyms). */
  public record Synonym(String name, String value, Source source) {}

  public record DescribedConfig(
      String name, String value, Source source, boolean readOnly, Type type, List<Synonym> synonyms) {}

  public enum OpType { SET, DELETE, APPEND, SUBTRACT }

  /** One change of a topic's config; {@code value} is ignored by DELETE. */
  public record ConfigOp(String name, OpType op, String value) {}

  /** A topic config's broker-wide counterpart (Kafka's name for the broker default) and its type. */
  private record TopicConfigKind(String brokerName, Type type) {}

  private static final Map<String, TopicConfigKind> TOPIC_CONFIGS = Map.ofEntries(
      Map.entry(LogConfig.SEGMENT_BYTES, new TopicConfigKind("log.segment.bytes", Type.INT)),
      Map.entry(LogConfig.SEGMENT_MS, new TopicConfigKind("log.roll.ms", Type.LONG)),
      Map.entry(LogConfig.RETENTION_MS, new TopicConfigKind("log.retention.ms", Type.LONG)),
      Map.entry(LogConfig.RETENTION_BYTES, new TopicConfigKind("log.retention.bytes", Type.LONG)),
      Map.entry(LogConfig.FLUSH_MESSAGES, new TopicConfigKind("log.flush.interval.messages", Type.LONG)),
      Map.entry(LogConfig.FLUSH_MS, new TopicConfigKind("log.flush.interval.ms", Type.LONG)),
      Map.entry(LogConfig.MAX_MESSAGE_BYTES, new TopicConfigKind("message.max.bytes", Type.INT)),
      Map.entry(LogConfig.MESSAGE_TIMESTAMP_TYPE, new TopicConfigKind("log.message.timestamp.type", Type.STRING)),
      Map.entry(LogConfig.INDEX_INTERVAL_BYTES, new TopicConfigKind("log.index.interval.bytes", Type.INT)),
      Map.entry(LogConfig.SEGMENT_INDEX_BYTES, new TopicConfigKind("log.index.size.max.bytes", Type.INT)),
      Map.entry(LogConfig.MIN_INSYNC_REPLICAS, new TopicConfigKind("min.insync.replicas", Type.INT)),
      Map.entry(LogConfig.CLEANUP_POLICY, new TopicConfigKind("log.cleanup.policy", Type.LIST)),
      Map.entry(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, new TopicConfigKind("log.cleaner.min.cleanable.ratio", Type.DOUBLE)),
      Map.entry(LogConfig.MIN_COMPACTION_LAG_MS, new TopicConfigKind("log.cleaner.min.compaction.lag.ms", Type.LONG)),
      Map.entry(LogConfig.MAX_COMPACTION_LAG_MS, new TopicConfigKind("log.cleaner.max.compaction.lag.ms", Type.LONG)),
      Map.entry(LogConfig.DELETE_RETENTION_MS, new TopicConfigKind("log.cleaner.delete.retention.ms", Type.LONG)),
      Map.entry(LogConfig.COMPRESSION_TYPE, new TopicConfigKind("compression.type", Type.STRING)));

  private static final Map<String, String> BUILT_IN = LogConfig.defaults().toMap();

  private final ActorSystem<?> system;
  private final TopicAdmin topics;
  private final RequestSettings settings;
  private final Access access;

  ConfigAdmin(ActorSystem<?> system, TopicAdmin topics, RequestSettings settings, Access access) {
    this.access = access;
    this.system = system;
    this.topics = topics;
    this.settings = settings;
  }

  /**
   * Whether a topic's configs may be shown to {@code caller} beside another answer (CreateTopics
   * answers with them); leaving them out is not a denial, so it is not audited.
   */
  public boolean showsTopicConfigs(Caller caller, String topic) {
    return access.shows(caller, Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic);
  }

  /** Every config of the topic, by name; UNKNOWN_TOPIC_OR_PARTITION if there is no such topic. */
  public CompletionStage<List<DescribedConfig>> describeTopicConfigs(Caller caller, String topic) {
    if (!access.allows(caller, Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic)) {
      return deniedStage(caller, Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic);
    }
    return topics.topic(topic).thenApply(found -> describeTopicConfigs(found.configs()));
  }

  /** Every config of a topic with these overrides, by name. */
  public List<DescribedConfig> describeTopicConfigs(Map<String, String> overrides) {
    Map<String, String> effective = LogConfig.fromMap(overrides, settings.topicDefaults()).toMap();
    Map<String, String> brokerDefaults = settings.topicDefaults().toMap();
    List<DescribedConfig> configs = new ArrayList<>();
    new TreeMap<>(effective).forEach((name, value) -> {
      TopicConfigKind kind = TOPIC_CONFIGS.get(name);
      List<Synonym> synonyms = new ArrayList<>();
      if (overrides.containsKey(name)) {
        synonyms.add(new Synonym(name, value, Source.TOPIC_OVERRIDE));
      }
      synonyms.addAll(brokerSynonyms(kind.brokerName(), brokerDefaults.get(name), BUILT_IN.get(name)));
      configs.add(new DescribedConfig(name, value, synonyms.get(0).source(), false, kind.type(), synonyms));
    });
    return configs;
  }

  /**
   * This broker's settings under Kafka's names. {@code broker} is this broker's id, or empty
   * for the cluster-wide defaults (the same here: every broker reads its own configuration);
   * another broker's id is INVALID_REQUEST, as each broker describes only itself.
   */
  public List<DescribedConfig> describeBrokerConfigs(Caller caller, String broker) {
    access.check(caller, Operation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    BrokerAddress self = BrokerRoles.brokerOf(Cluster.get(system).selfMember())
        .orElseThrow(() -> new FailureException(ErrorCode.LEADER_NOT_AVAILABLE, "this broker has not joined yet"));
    if (!broker.isEmpty() && !broker.equals(Integer.toString(self.id()))) {
      throw new FailureException(ErrorCode.INVALID_REQUEST,
          "this is broker " + self.id() + "; broker '" + broker + "' describes its own configs");
    }
    List<DescribedConfig> configs = new ArrayList<>();
    configs.add(readOnly("broker.id", Integer.toString(self.id()), Source.BROKER_CONFIG, Type.INT));
    configs.add(readOnly("broker.rack", self.rack().isEmpty() ? null : self.rack(),
        self.rack().isEmpty() ? Source.DEFAULT : Source.BROKER_CONFIG, Type.STRING));
    configs.add(readOnly("num.partitions", Integer.toString(settings.defaultPartitions()), Source.BROKER_CONFIG,
        Type.INT));
    configs.add(readOnly("default.replication.factor", Integer.toString(settings.defaultReplicationFactor()),
        Source.BROKER_CONFIG, Type.INT));
    Map<String, String> brokerDefaults = settings.topicDefaults().toMap();
    new TreeMap<>(TOPIC_CONFIGS).forEach((topicName, kind) -> {
      List<Synonym> synonyms = brokerSynonyms(kind.brokerName(), brokerDefaults.get(topicName), BUILT_IN.get(topicName));
      configs.add(new DescribedConfig(kind.brokerName(), brokerDefaults.get(topicName), synonyms.get(0).source(), true,
          kind.type(), synonyms));
    });
    return configs;
  }

  /**
   * Replaces every override of the topic with {@code configs} (Kafka's legacy AlterConfigs);
   * answers with the overrides as they are (or, with {@code validateOnly}, would be) afterwards.
   */
  public CompletionStage<Map<String, String>> replaceTopicConfigs(
      Caller caller, String topic, Map<String, String> configs, boolean validateOnly) {
    if (!access.allows(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, topic)) {
      return deniedStage(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, topic);
    }
    return topics.topic(topic).thenCompose(found -> apply(topic, found.configs(), validated(configs), validateOnly));
  }

  /**
   * Applies {@code ops} in order to the topic's overrides (Kafka's IncrementalAlterConfigs):
   * SET overrides, DELETE falls back to the broker's value, APPEND and SUBTRACT add or remove
   * items of a list config's effective value. INVALID_CONFIG for an unknown name, a bad value or
   * a list operation on a config that is no list; INVALID_REQUEST for a name given twice.
   */
  public CompletionStage<Map<String, String>> incrementalAlterTopicConfigs(
      Caller caller, String topic, List<ConfigOp> ops, boolean validateOnly) {
    if (!access.allows(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, topic)) {
      return deniedStage(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, topic);
    }
    Set<String> names = new HashSet<>();
    for (ConfigOp op : ops) {
      if (!names.add(op.name())) {
        return CompletableFuture.failedFuture(
            new FailureException(ErrorCode.INVALID_REQUEST, "config '" + op.name() + "' is changed twice"));
      }
    }
    return topics.topic(topic).thenCompose(found -> {
      Map<String, String> next = new TreeMap<>(found.configs());
      Map<String, String> effective = LogConfig.fromMap(found.configs(), settings.topicDefaults()).toMap();
      for (ConfigOp op : ops) {
        applyOp(op, next, effective);
      }
      return apply(topic, found.configs(), validated(next), validateOnly);
    });
  }

  /**
   * A change of broker configs: CLUSTER_AUTHORIZATION_FAILED without ALTER_CONFIGS on the
   * cluster (Kafka checks before anything else), else INVALID_REQUEST, as they are read-only.
   */
  public CompletionStage<Map<String, String>> alterBrokerConfigs(Caller caller) {
    if (!access.allows(caller, Operation.ALTER_CONFIGS, ResourceType.CLUSTER, Acl.CLUSTER_NAME)) {
      return deniedStage(caller, Operation.ALTER_CONFIGS, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    }
    return CompletableFuture.failedFuture(new FailureException(ErrorCode.INVALID_REQUEST,
        "broker configs are read-only: Skein reads them from its configuration at start"));
  }

  private static <T> CompletionStage<T> deniedStage(Caller caller, Operation operation, ResourceType type,
      String name) {
    return CompletableFuture.failedFuture(Access.denied(caller, operation, type, name));
  }

  private static void applyOp(ConfigOp op, Map<String, String> overrides, Map<String, String> effective) {
    TopicConfigKind kind = TOPIC_CONFIGS.get(op.name());
    if (kind == null) {
      throw unknownConfig(op.name());
    }
    if (op.op() != OpType.DELETE && op.value() == null) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "config '" + op.name() + "' needs a value to " + op.op());
    }
    if ((op.op() == OpType.APPEND || op.op() == OpType.SUBTRACT) && kind.type() != Type.LIST) {
      throw new FailureException(ErrorCode.INVALID_CONFIG,
          op.op() + " works on list configs only; '" + op.name() + "' is of type " + kind.type());
    }
    switch (op.op()) {
      case SET -> overrides.put(op.name(), op.value());
      case DELETE -> overrides.remove(op.name());
      case APPEND, SUBTRACT -> {
        Set<String> items = listItems(overrides.getOrDefault(op.name(), effective.get(op.name())));
        if (op.op() == OpType.APPEND) {
          items.addAll(listItems(op.value()));
        } else {
          items.removeAll(listItems(op.value()));
        }
        overrides.put(op.name(), String.join(",", items));
      }
    }
  }

  private static Set<String> listItems(String list) {
    Set<String> items = new LinkedHashSet<>();
    for (String item : list.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  /** {@code overrides} if they make a valid topic config; INVALID_CONFIG naming the problem if not. */
  private Map<String, String> validated(Map<String, String> overrides) {
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      if (!TOPIC_CONFIGS.containsKey(override.getKey())) {
        throw unknownConfig(override.getKey());
      }
      if (override.getValue() == null) {
        throw new FailureException(ErrorCode.INVALID_CONFIG, "config '" + override.getKey() + "' has no value");
      }
    }
    try {
      LogConfig.fromMap(overrides, settings.topicDefaults());
    } catch (InvalidConfigException e) {
      throw new FailureException(ErrorCode.INVALID_CONFIG, e.getMessage());
    }
    return overrides;
  }

  /**
   * Moves the topic from {@code current} to {@code next} overrides through the Controller, which
   * checks them again. The overrides were read before: a change by another request in between
   * is overwritten where both touch the same config (the last writer wins).
   */
  private CompletionStage<Map<String, String>> apply(
      String topic, Map<String, String> current, Map<String, String> next, boolean validateOnly) {
    Map<String, String> set = new TreeMap<>();
    next.forEach((name, value) -> {
      if (!value.equals(current.get(name))) {
        set.put(name, value);
      }
    });
    List<String> delete = current.keySet().stream().filter(name -> !next.containsKey(name)).sorted().toList();
    if (validateOnly || (set.isEmpty() && delete.isEmpty())) {
      return CompletableFuture.completedFuture(validateOnly ? Map.copyOf(next) : current);
    }
    return topics.alterTopicConfigs(topic, set, delete).thenApply(altered -> altered.topic().configs());
  }

  /** The broker's value of a topic config's broker-wide counterpart, then the built-in default if different. */
  private static List<Synonym> brokerSynonyms(String brokerName, String brokerValue, String builtIn) {
    List<Synonym> synonyms = new ArrayList<>();
    if (!brokerValue.equals(builtIn)) {
      synonyms.add(new Synonym(brokerName, brokerValue, Source.BROKER_CONFIG));
    }
    synonyms.add(new Synonym(brokerName, builtIn, Source.DEFAULT));
    return synonyms;
  }

  private static DescribedConfig readOnly(String name, String value, Source source, Type type) {
    return new DescribedConfig(name, value, source, true, type, List.of(new Synonym(name, value, source)));
  }

  private static FailureException unknownConfig(String name) {
    return new FailureException(ErrorCode.INVALID_CONFIG,
        "unknown topic config '" + name + "'; known configs: " + LogConfig.NAMES);
  }
}
