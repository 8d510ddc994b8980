package io.skein.console;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.entity;
import static akka.http.javadsl.server.Directives.extractClientIP;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.parameterMap;
import static akka.http.javadsl.server.Directives.patch;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEnd;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.CacheControl;
import akka.http.javadsl.model.headers.CacheDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.ConfigAdmin;
import io.skein.broker.TopicAdmin;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.group.GroupOffsetQueries;
import io.skein.metadata.Topic;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import io.skein.security.Principal;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The console's JSON API under {@code /console/api}: cluster, topics (list, create, describe,
 * alter configs, delete, throughput history), a partition's messages, consumer groups (list,
 * describe with lag, lag history, reset offsets), and the login ({@link ConsoleLogin}). It only
 * translates HTTP to calls of the {@link Broker} and back.
 */
final class ConsoleApi {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEFAULT_MESSAGES = 50;

  private final ConsoleBroker console;
  private final ConsoleLogin login;

  ConsoleApi(ConsoleBroker console, ConsoleLogin login) {
    this.console = console;
    this.login = login;
  }

  Route route() {
    return concat(
        path("login", () -> post(() -> body(json -> validated(() -> {
          String user = requiredText(json, "user");
          String password = requiredText(json, "password");
          return login.login(user, password, this::session);
        })))),
        path("logout", () -> post(() ->
            login.logout(() -> complete(json(StatusCodes.OK, Map.of("loggedOut", true)))))),
        login.authenticated(this::route));
  }

  /**
   * The API for {@code principal}, the session's user ({@link Principal#ANONYMOUS} without
   * authentication), from the client's address: every call is the broker's, with the ACLs of
   * that principal and host (an unknown address matches only ACLs for every host).
   */
  private Route route(Principal principal) {
    return extractClientIP(address -> route(new Caller(principal,
        address.getAddress().map(InetAddress::getHostAddress).orElse("unknown"))));
  }

  private Route route(Caller caller) {
    return concat(
        path("session", () -> get(() -> session(caller.principal()))),
        path("cluster", () -> get(() -> answer(broker -> cluster(broker, caller)))),
        pathPrefix("topics", () -> concat(
            pathEnd(() -> concat(
                get(() -> answer(broker -> topics(broker, caller))),
                post(() -> body(json -> answer(broker -> createTopic(broker, caller, json), StatusCodes.CREATED))))),
            pathPrefix(PathMatchers.segment(), name -> topicRoute(caller, name)))),
        pathPrefix("groups", () -> concat(
            pathEnd(() -> get(() -> answer(broker -> groups(broker, caller)))),
            pathPrefix(PathMatchers.segment(), id -> groupRoute(caller, id)))),
        complete(ConsoleErrors.response(StatusCodes.NOT_FOUND, "NOT_FOUND", "no such console API")));
  }

  private Route topicRoute(Caller caller, String name) {
    return concat(
        pathEnd(() -> concat(
            get(() -> answer(broker -> topic(broker, caller, name))),
            delete(() -> parameterMap(query -> answer(broker -> deleteTopic(broker, caller, name, query)))))),
        path("configs", () -> patch(() -> body(json -> answer(broker -> alterConfigs(broker, caller, name, json))))),
        path("history", () -> get(() -> answer(broker -> topicHistory(broker, caller, name)))),
        path("messages", () -> get(() -> parameterMap(query ->
            answer(broker -> messages(broker, caller, name, query))))));
  }

  private Route groupRoute(Caller caller, String id) {
    return concat(
        pathEnd(() -> get(() -> answer(broker -> group(broker, caller, id)))),
        path("history", () -> get(() -> answer(broker -> groupHistory(broker, caller, id)))),
        path("reset", () -> post(() -> body(json -> answer(broker -> resetOffsets(broker, caller, id, json))))));
  }

  /** Who is logged in, and whether the console asks for a login. */
  private Route session(Principal principal) {
    return complete(json(StatusCodes.OK, new ConsoleViews.SessionView(principal.name(), login.required())));
  }

  // ---- cluster and topics ---------------------------------------------------------------

  private CompletionStage<?> cluster(Broker broker, Caller caller) {
    return describable(broker, caller)
        .thenApply(topics -> ConsoleViews.cluster(broker.topics().describeCluster(), topics));
  }

  /** The topics {@code caller} may describe: the others are not shown, as in Kafka's Metadata. */
  private static CompletionStage<Map<String, Topic>> describable(Broker broker, Caller caller) {
    return broker.topics().knownTopics().thenApply(topics -> {
      Map<String, Topic> shown = new TreeMap<>(topics);
      shown.keySet().removeIf(name -> !broker.topics().describable(caller, name));
      return shown;
    });
  }

  /** Each topic's partitions from the Controller, their logs from one request per broker (see {@link ClusterLogs}). */
  private CompletionStage<?> topics(Broker broker, Caller caller) {
    return describable(broker, caller).thenCombine(console.logs().snapshot(), (topics, logs) ->
        topics.values().stream().map(topic -> ConsoleViews.summary(topic, logs)).toList());
  }

  private CompletionStage<?> createTopic(Broker broker, Caller caller, JsonNode json) {
    String name = requiredText(json, "name");
    int partitions = optionalInt(json, "partitions", -1);
    int replication = optionalInt(json, "replicationFactor", -1);
    Map<String, String> configs = stringMap(json, "configs");
    return broker.topics().createTopic(caller, name, partitions, replication, configs, false)
        .thenApply(created -> ConsoleViews.topic(created.topic(), ConsoleViews.logs(created),
            configsShown(broker, caller, created.topic())));
  }

  private CompletionStage<?> topic(Broker broker, Caller caller, String name) {
    return broker.topics().metadata(caller, List.of(name)).thenCombine(console.logs().snapshot(), (metadata, logs) -> {
      TopicAdmin.TopicMetadata topic = metadata.topics().get(0);
      if (topic.failure() != null) {
        throw new FailureException(topic.failure());
      }
      return ConsoleViews.topic(topic.topic(), logs, configsShown(broker, caller, topic.topic()));
    });
  }

  /** The topic's configs, if the caller may describe them (DESCRIBE_CONFIGS); else none are shown. */
  private static List<ConfigAdmin.DescribedConfig> configsShown(Broker broker, Caller caller, Topic topic) {
    return broker.configs().showsTopicConfigs(caller, topic.name())
        ? broker.configs().describeTopicConfigs(topic.configs()) : List.of();
  }

  /** What the topic's throughput chart opens with. */
  private CompletionStage<?> topicHistory(Broker broker, Caller caller, String name) {
    broker.access().check(caller, Operation.DESCRIBE, ResourceType.TOPIC, name);
    return console.logs().history(NodeLogs.Series.TOPIC, name).thenApply(ConsoleViews::topicHistory);
  }

  /** Deletes only with {@code confirm} naming the topic again, as the page asks its user to. */
  private CompletionStage<?> deleteTopic(Broker broker, Caller caller, String name, Map<String, String> query) {
    if (!name.equals(query.get("confirm"))) {
      throw ConsoleErrors.badRequest("deleting a topic needs confirm=<the topic's name>");
    }
    return broker.topics().deleteTopic(caller, name).thenApply(deleted -> Map.of("deleted", deleted.name()));
  }

  /** {@code {"set": {name: value}, "delete": [name]}}: changes those overrides, keeps the others. */
  private CompletionStage<?> alterConfigs(Broker broker, Caller caller, String name, JsonNode json) {
    List<ConfigAdmin.ConfigOp> ops = new ArrayList<>();
    stringMap(json, "set").forEach((config, value) ->
        ops.add(new ConfigAdmin.ConfigOp(config, ConfigAdmin.OpType.SET, value)));
    for (String config : stringList(json, "delete")) {
      ops.add(new ConfigAdmin.ConfigOp(config, ConfigAdmin.OpType.DELETE, null));
    }
    if (ops.isEmpty()) {
      throw ConsoleErrors.badRequest("nothing to change: give \"set\" and/or \"delete\"");
    }
    return broker.configs().incrementalAlterTopicConfigs(caller, name, ops, false)
        .thenApply(overrides -> ConsoleViews.configs(broker.configs().describeTopicConfigs(overrides)));
  }

  /** {@code partition}, then {@code offset} or {@code timestamp} (ms) or neither (the newest), {@code limit}, {@code wait} (ms). */
  private CompletionStage<?> messages(Broker broker, Caller caller, String topic, Map<String, String> query) {
    if (query.containsKey("offset") && query.containsKey("timestamp")) {
      throw ConsoleErrors.badRequest("give offset or timestamp, not both");
    }
    Long offset = query.containsKey("offset") ? parseLong(query, "offset") : null;
    Long timestamp = query.containsKey("timestamp") ? parseLong(query, "timestamp") : null;
    if (timestamp != null && timestamp < 0) {
      throw ConsoleErrors.badRequest("timestamp must be >= 0 (ms since the epoch), was " + timestamp);
    }
    int partition = query.containsKey("partition") ? (int) parseLong(query, "partition") : 0;
    int limit = query.containsKey("limit") ? (int) parseLong(query, "limit") : DEFAULT_MESSAGES;
    long wait = query.containsKey("wait") ? parseLong(query, "wait") : 0;
    return new MessageBrowser(broker.partitions(), caller)
        .read(topic, partition, new MessageBrowser.Start(offset, timestamp), limit, wait);
  }

  // ---- groups ---------------------------------------------------------------------------

  private CompletionStage<?> groups(Broker broker, Caller caller) {
    return broker.groups().listGroups(caller).thenApply(groups -> groups.stream()
        .map(ConsoleViews::summary)
        .sorted(Comparator.comparing(ConsoleViews.GroupSummary::groupId))
        .toList());
  }

  private CompletionStage<?> group(Broker broker, Caller caller, String id) {
    return broker.groups().describeGroup(caller, id).thenApply(described ->
        ConsoleViews.group(described.group(), described.lags()));
  }

  /** What the group's lag chart opens with. */
  private CompletionStage<?> groupHistory(Broker broker, Caller caller, String id) {
    broker.access().check(caller, Operation.DESCRIBE, ResourceType.GROUP, id);
    return console.logs().history(NodeLogs.Series.GROUP, id).thenApply(ConsoleViews::groupHistory);
  }

  /**
   * {@code {"to": "earliest"|"latest"|"offset"|"timestamp", "value": N, "topics": [...], "execute": bool}}:
   * the offsets a reset moves to, committed too with execute; only for a group without members.
   */
  private CompletionStage<?> resetOffsets(Broker broker, Caller caller, String id, JsonNode json) {
    String to = requiredText(json, "to");
    GroupOffsetQueries.ResetTarget target = switch (to) {
      case "earliest" -> new GroupOffsetQueries.ToEarliest();
      case "latest" -> new GroupOffsetQueries.ToLatest();
      case "offset" -> new GroupOffsetQueries.ToOffset(requiredLong(json, "value"));
      case "timestamp" -> new GroupOffsetQueries.ToTimestamp(requiredLong(json, "value"));
      default -> throw ConsoleErrors.badRequest(
          "\"to\" must be earliest, latest, offset or timestamp, was '" + to + "'");
    };
    boolean execute = json.path("execute").asBoolean(false);
    return broker.groups().resetOffsets(caller, id, stringList(json, "topics"), target, execute)
        .thenApply(ConsoleViews::resets);
  }

  // ---- HTTP <-> calls -------------------------------------------------------------------

  private Route answer(Function<Broker, CompletionStage<?>> call) {
    return answer(call, StatusCodes.OK);
  }

  /** Runs {@code call} against the broker (503 until it serves) and answers its result as JSON. */
  private Route answer(Function<Broker, CompletionStage<?>> call, StatusCode success) {
    return completeWithFuture(attempt(() -> {
      Broker broker = console.broker().orElseThrow(() -> new FailureException(ErrorCode.LEADER_NOT_AVAILABLE,
          "the broker is starting: it has not joined its cluster or recovered its logs yet"));
      return call.apply(broker);
    }).thenApply(result -> json(success, result)).exceptionally(ConsoleErrors::response));
  }

  /** A JSON object body, or a 400. */
  private Route body(Function<JsonNode, Route> inner) {
    return entity(Unmarshaller.entityToString(), text -> {
      JsonNode json;
      try {
        json = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        return complete(ConsoleErrors.response(StatusCodes.BAD_REQUEST, ErrorCode.INVALID_REQUEST.name(),
            "the body is not JSON: " + e.getOriginalMessage()));
      }
      if (json == null || !json.isObject()) {
        return complete(ConsoleErrors.response(StatusCodes.BAD_REQUEST, ErrorCode.INVALID_REQUEST.name(),
            "the body must be a JSON object"));
      }
      return inner.apply(json);
    });
  }

  /** The route {@code inner} makes, or the error answer for a bad request it throws. */
  private static Route validated(Supplier<Route> inner) {
    try {
      return inner.get();
    } catch (FailureException e) {
      return complete(ConsoleErrors.response(e));
    }
  }

  /** The call's stage; one that throws before it has a stage fails the stage instead. */
  private static <T> CompletionStage<T> attempt(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static HttpResponse json(StatusCode status, Object value) {
    try {
      return HttpResponse.create().withStatus(status)
          .addHeader(CacheControl.create(CacheDirectives.NO_STORE))
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write the answer as JSON", e);
    }
  }

  private static String requiredText(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw ConsoleErrors.badRequest("\"" + field + "\" must be a non-empty string");
    }
    return value.asText();
  }

  private static int optionalInt(JsonNode json, String field, int absent) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber()) {
      throw ConsoleErrors.badRequest("\"" + field + "\" must be an integer, was " + value);
    }
    return value.intValue();
  }

  private static long requiredLong(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw ConsoleErrors.badRequest("\"" + field + "\" must be an integer");
    }
    return value.longValue();
  }

  private static Map<String, String> stringMap(JsonNode json, String field) {
    JsonNode value = json.get(field);
    Map<String, String> map = new LinkedHashMap<>();
    if (value == null || value.isNull()) {
      return map;
    }
    if (!value.isObject()) {
      throw ConsoleErrors.badRequest("\"" + field + "\" must be an object of names to values");
    }
    value.fields().forEachRemaining(entry -> {
      if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
        throw ConsoleErrors.badRequest("\"" + field + "\"." + entry.getKey() + " must be a string or number");
      }
      map.put(entry.getKey(), entry.getValue().asText());
    });
    return map;
  }

  private static List<String> stringList(JsonNode json, String field) {
    JsonNode value = json.get(field);
    List<String> list = new ArrayList<>();
    if (value == null || value.isNull()) {
      return list;
    }
    if (!value.isArray()) {
      throw ConsoleErrors.badRequest("\"" + field + "\" must be an array of strings");
    }
    value.forEach(item -> {
      if (!item.isTextual()) {
        throw ConsoleErrors.badRequest("\"" + field + "\" must hold strings only, not " + item);
      }
      list.add(item.asText());
    });
    return list;
  }

  private static long parseLong(Map<String, String> query, String name) {
    try {
      return Long.parseLong(query.get(name));
    } catch (NumberFormatException e) {
      throw ConsoleErrors.badRequest(name + " must be an integer, was '" + query.get(name) + "'");
    }
  }
}
