package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.CommitOffsetsResponse;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.GroupRequest;
import io.skein.proto.v1.GroupResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.Heartbeat;
import io.skein.proto.v1.JoinGroup;
import io.skein.proto.v1.LeaveGroup;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.PartitionResult;
import io.skein.proto.v1.RevocationAck;
import io.skein.proto.v1.SessionCommit;
import io.skein.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's membership in its group (see the protocol in groups.proto): the GroupSession
 * stream to the group's coordinator, heartbeats and the {@code max.poll.interval.ms} check on a
 * background thread, and what the coordinator pushes, queued as {@link Event}s for the
 * application thread, which acts on them (and calls the rebalance listener) in poll.
 * Thread-safe: gRPC callbacks, the heartbeat thread and the application share the state below
 * under this object's lock.
 */
final class GroupMember implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupMember.class);

  /** Something the application thread acts on in its next poll. */
  sealed interface Event {}

  /** The complete set of partitions the member owns as of this generation. */
  record Assigned(int generation, Set<TopicPartition> partitions) implements Event {}

  /** Give these up: stop fetching, commit, then {@link #acknowledge}. */
  record Revoked(int generation, Set<TopicPartition> partitions) implements Event {}

  /** Out of the group, or back in under a new member id: every partition owned so far is lost. */
  record Lost(String reason) implements Event {}

  /** The coordinator refused to let this consumer join: a problem the application must see. */
  record Failed(SkeinException error) implements Event {}

  private enum State {
    /** Joined on the current stream: heartbeats flow, commits may be sent. */
    JOINED,
    /** A join is on its way (a first join, a rejoin, or a reconnect with the member id). */
    JOINING,
    /** Removed from the group; the application's next poll reports the loss and joins again. */
    OUT,
    /** The join was refused for good, or the member left, or stopped. */
    DONE
  }

  private final JoinGroup joinTemplate;
  private final Supplier<ManagedChannel> channel;
  private final Runnable wakeup;
  private final long maxPollIntervalMs;
  private final long retryBackoffMs;
  private final long joinTimeoutMs;
  private final ScheduledExecutorService timer;
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

  // Guarded by this.
  private State state = State.JOINING;
  private StreamObserver<GroupRequest> requests;
  /** Identifies the current stream, so that callbacks of an abandoned one are ignored. */
  private int streamId;
  private String memberId = "";
  private int generation = -1;
  private long nextCorrelationId = 1;
  /** When the join on the current stream was sent. */
  private long joinSentMs;
  private final Map<Long, CompletableFuture<GroupResponse>> pending = new HashMap<>();

  private volatile long lastPollMs = System.currentTimeMillis();

  /**
   * @param joinTemplate the join to send (group, client id, subscription, timeouts, assignor);
   *     its member id is set here
   * @param channel a channel to any broker (each forwards to the group's coordinator)
   * @param wakeup wakes a poll waiting for fetches, when an event is queued
   * @param joinTimeoutMs how long a join may go unanswered before it is sent again on a new
   *     stream ({@code request.timeout.ms})
   */
  GroupMember(
      JoinGroup joinTemplate,
      Supplier<ManagedChannel> channel,
      Runnable wakeup,
      long heartbeatIntervalMs,
      long maxPollIntervalMs,
      long retryBackoffMs,
      long joinTimeoutMs) {
    this.joinTemplate = joinTemplate;
    this.channel = channel;
    this.wakeup = wakeup;
    this.maxPollIntervalMs = maxPollIntervalMs;
    this.retryBackoffMs = retryBackoffMs;
    this.joinTimeoutMs = joinTimeoutMs;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "skein-heartbeat-" + joinTemplate.getClientId());
              thread.setDaemon(true);
              return thread;
            });
    synchronized (this) {
      openStream();
    }
    timer.scheduleAtFixedRate(this::tick, heartbeatIntervalMs, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
  }

  String groupId() {
    return joinTemplate.getGroupId();
  }

  synchronized String memberId() {
    return memberId;
  }

  synchronized int generation() {
    return generation;
  }

  synchronized boolean isJoined() {
    return state == State.JOINED;
  }

  /** The application called poll: restarts the {@code max.poll.interval.ms} clock. */
  void polled() {
    lastPollMs = System.currentTimeMillis();
  }

  /** The next event for the application thread, or null. */
  Event nextEvent() {
    return events.poll();
  }

  /** After a {@link Lost} event: joins again as a new member, unless already back in. */
  synchronized void rejoinIfOut() {
    if (state == State.OUT) {
      memberId = "";
      generation = -1;
      state = State.JOINING;
      openStream();
    }
  }

  /** Tells the coordinator a revocation has been handled: these partitions are released. */
  synchronized void acknowledge(int revocationGeneration, Collection<TopicPartition> partitions) {
    if (state == State.JOINED) {
      send(GroupRequest.newBuilder().setRevocationAck(RevocationAck.newBuilder()
          .setMemberId(memberId).setGeneration(revocationGeneration).addAllPartitions(grouped(partitions))));
    }
  }

  /**
   * Commits on the session with the newest generation received. Fails with a retriable
   * error while (re)joining, and with {@link CommitFailedException} when the group fenced the
   * commit (the member is then out: a {@link Lost} event follows).
   */
  CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return commit(offsets, true);
  }

  private CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, boolean mayRetry) {
    int sentGeneration;
    CompletableFuture<GroupResponse> answer;
    synchronized (this) {
      switch (state) {
        case OUT -> {
          return CompletableFuture.failedFuture(new CommitFailedException(ErrorCode.UNKNOWN_MEMBER_ID,
              "commit failed: this consumer is no longer a member of group " + groupId()
                  + "; its partitions are lost and it joins again at the next poll"));
        }
        case DONE -> {
          return CompletableFuture.failedFuture(new IllegalStateException("the consumer has left group " + groupId()));
        }
        case JOINING -> {
          return CompletableFuture.failedFuture(new SkeinException(ErrorCode.REBALANCE_IN_PROGRESS,
              "REBALANCE_IN_PROGRESS: joining group " + groupId() + "; commit again once partitions are assigned"));
        }
        case JOINED -> { }
      }
      sentGeneration = generation;
      SessionCommit.Builder commit = SessionCommit.newBuilder().setMemberId(memberId).setGeneration(generation);
      offsets.forEach((partition, offset) -> commit.addOffsets(PartitionOffset.newBuilder()
          .setTopic(partition.topic()).setPartition(partition.partition())
          .setOffset(offset.offset()).setMetadata(offset.metadata())));
      answer = request(GroupRequest.newBuilder().setCommit(commit));
    }
    return answer.handle((response, failure) -> {
      if (failure == null) {
        SkeinException refused = refusedPartitions(response.getCommit());
        return refused == null ? CompletableFuture.<Void>completedFuture(null) : CompletableFuture.<Void>failedFuture(refused);
      }
      SkeinException error = SkeinException.fromGrpc(failure);
      switch (error.errorCode()) {
        case ILLEGAL_GENERATION -> {
          // The session delivers pushes before later answers, so a newer generation received
          // meanwhile means the commit only raced a rebalance this member is part of.
          if (mayRetry && generation() != sentGeneration && isJoined()) {
            return commit(offsets, false);
          }
          return CompletableFuture.<Void>failedFuture(fenced(error));
        }
        case UNKNOWN_MEMBER_ID, FENCED_MEMBER -> {
          return CompletableFuture.<Void>failedFuture(fenced(error));
        }
        default -> {
          return CompletableFuture.<Void>failedFuture(error);
        }
      }
    }).thenCompose(result -> result);
  }

  /** The partitions a commit answer refused, as one error; null if all were committed. */
  static SkeinException refusedPartitions(CommitOffsetsResponse response) {
    List<String> failed = new ArrayList<>();
    ErrorCode code = ErrorCode.NONE;
    for (PartitionResult result : response.getResultsList()) {
      if (result.getError().getCode() != ErrorCode.NONE) {
        code = code == ErrorCode.NONE ? result.getError().getCode() : code;
        failed.add(result.getError().getCode() + " for " + result.getTopic() + "-" + result.getPartition()
            + ": " + result.getError().getMessage());
      }
    }
    return failed.isEmpty() ? null : new SkeinException(code, "commit failed: " + String.join("; ", failed));
  }

  /** The group refused a commit from this member: it is out, and its partitions are lost. */
  private CommitFailedException fenced(SkeinException error) {
    synchronized (this) {
      markOut("commit fenced: " + error.getMessage());
    }
    return new CommitFailedException(error.errorCode(), "commit failed: the group fenced this consumer ("
        + error.getMessage() + "); its partitions are lost and it joins again at the next poll");
  }

  /**
   * Leaves the group, waiting up to {@code timeoutMs} for the coordinator to confirm, and
   * stops heartbeating. The caller commits first.
   */
  void leave(long timeoutMs) {
    CompletableFuture<GroupResponse> left = null;
    synchronized (this) {
      if (state == State.JOINED) {
        left = request(GroupRequest.newBuilder().setLeave(LeaveGroup.newBuilder().setMemberId(memberId)));
      }
      state = State.DONE; // no more heartbeats or reconnects

    }
    if (left != null) {
      try {
        left.get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // Closing the stream below leaves the group too.
        log.debug("Group {}: leave not confirmed: {}", groupId(), e.toString());
      }
    }
    close();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    synchronized (this) {
      state = State.DONE;
      endStream();
    }
  }

  /** Test hook: behaves as a crashed process would, going silent without leaving. */
  synchronized void halt() {
    timer.shutdownNow();
    state = State.DONE;
    requests = null;
    streamId++;
  }

  // ---- the stream ------------------------------------------------------------------------

  /** Opens a session and joins with the member id held (empty for a new member). */
  private void openStream() {
    int id = ++streamId;
    joinSentMs = System.currentTimeMillis();
    requests = GroupServiceGrpc.newStub(channel.get()).groupSession(new ClientResponseObserver<GroupRequest, GroupResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<GroupRequest> stream) {}

      @Override
      public void onNext(GroupResponse response) {
        onResponse(id, response);
      }

      @Override
      public void onError(Throwable failure) {
        onStreamEnd(id, SkeinException.fromGrpc(failure));
      }

      @Override
      public void onCompleted() {
        onStreamEnd(id, new SkeinException(ErrorCode.LEADER_NOT_AVAILABLE,
            "LEADER_NOT_AVAILABLE: the group coordinator ended the session"));
      }
    });
    request(GroupRequest.newBuilder().setJoin(joinTemplate.toBuilder().setMemberId(memberId)))
        .whenComplete((joined, failure) -> {
          if (failure != null) {
            onJoinFailed(id, SkeinException.fromGrpc(failure));
          }
        });
  }

  private synchronized void onJoinFailed(int id, SkeinException error) {
    if (id != streamId || error.retriable()) {
      return; // a broken stream reconnects in onStreamEnd
    }
    state = State.DONE;
    endStream();
    events.add(new Failed(error));
    wakeup.run();
  }

  private synchronized void onResponse(int id, GroupResponse response) {
    if (id != streamId) {
      return;
    }
    switch (response.getKindCase()) {
      case JOINED -> {
        String joinedAs = response.getJoined().getMemberId();
        if (!memberId.isEmpty() && !memberId.equals(joinedAs)) {
          events.add(new Lost("the group no longer knew member " + memberId + "; joined again as " + joinedAs));
        }
        memberId = joinedAs;
        generation = response.getJoined().getGeneration();
        state = State.JOINED;
      }
      case ASSIGNMENT -> {
        generation = response.getAssignment().getGeneration();
        events.add(new Assigned(generation, partitions(response.getAssignment().getPartitionsList())));
      }
      case REVOCATION -> {
        generation = response.getRevocation().getGeneration();
        events.add(new Revoked(generation, partitions(response.getRevocation().getPartitionsList())));
      }
      case ERROR -> {
        ErrorCode code = response.getError().getCode();
        if (response.getCorrelationId() == 0 && (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.FENCED_MEMBER)) {
          markOut(code + ": " + response.getError().getMessage());
        }
      }
      default -> { }
    }
    CompletableFuture<GroupResponse> answered = pending.remove(response.getCorrelationId());
    if (answered != null) {
      if (response.hasError()) {
        answered.completeExceptionally(SkeinException.fromError(response.getError()));
      } else {
        answered.complete(response);
      }
    } else if (response.hasError() && response.getCorrelationId() != 0) {
      // A heartbeat or an acknowledgement was refused: the member is not (or no longer) in the group.
      ErrorCode code = response.getError().getCode();
      if (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.FENCED_MEMBER) {
        markOut(code + ": " + response.getError().getMessage());
      } else {
        log.warn("Group {}: request refused: {}", groupId(), response.getError().getMessage());
      }
    }
    wakeup.run();
  }

  /** The stream ended: rejoin with the member id (the coordinator keeps it for a session timeout). */
  private synchronized void onStreamEnd(int id, SkeinException cause) {
    if (id != streamId) {
      return;
    }
    requests = null;
    failPending(cause);
    if (state == State.JOINED || state == State.JOINING) {
      log.info("Group {}: session of member {} ended ({}); reconnecting", groupId(), memberId, cause.getMessage());
      state = State.JOINING;
      streamId++; // nothing arrives on the ended stream any more
      timer.schedule(this::reconnect, retryBackoffMs, TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void reconnect() {
    if (state == State.JOINING && requests == null) {
      try {
        openStream();
      } catch (RuntimeException e) {
        // No channel now (e.g. metadata unreachable): try again after a backoff.
        timer.schedule(this::reconnect, retryBackoffMs, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Out of the group: the stream is ended, and the application learns it in its next poll. */
  private void markOut(String reason) {
    if (state == State.OUT || state == State.DONE) {
      return;
    }
    log.info("Group {}: member {} is out of the group: {}", groupId(), memberId, reason);
    state = State.OUT;
    endStream();
    events.add(new Lost(reason));
    wakeup.run();
  }

  /** Heartbeats, leaves the group if the application stopped polling, and retries a lost join. */
  private void tick() {
    synchronized (this) {
      if (state == State.JOINING) {
        retryUnansweredJoin();
        return;
      }
      if (state != State.JOINED) {
        return;
      }
      long silentMs = System.currentTimeMillis() - lastPollMs;
      if (silentMs > maxPollIntervalMs) {
        log.warn("Group {}: poll was not called for {} ms (max.poll.interval.ms {}): member {} leaves the group"
            + " and joins again at the next poll", groupId(), silentMs, maxPollIntervalMs, memberId);
        send(GroupRequest.newBuilder().setLeave(LeaveGroup.newBuilder().setMemberId(memberId)));
        markOut("poll was not called within max.poll.interval.ms (" + maxPollIntervalMs + " ms)");
        return;
      }
      send(GroupRequest.newBuilder().setHeartbeat(Heartbeat.newBuilder().setMemberId(memberId).setGeneration(generation)));
    }
  }

  /**
   * A join sent while the coordinator's node was dying is lost with it: the broker that took
   * the stream forwarded it there, and nothing will answer. Without this the member would
   * wait for ever, as the group timed it out meanwhile; a new stream reaches the coordinator
   * wherever it runs now.
   */
  private void retryUnansweredJoin() {
    if (requests != null && System.currentTimeMillis() - joinSentMs > joinTimeoutMs) {
      log.info("Group {}: the join of member {} was not answered within {} ms; joining again on a new session",
          groupId(), memberId.isEmpty() ? "(new)" : memberId, joinTimeoutMs);
      endStream();
      reconnect();
    }
  }

  private CompletableFuture<GroupResponse> request(GroupRequest.Builder request) {
    CompletableFuture<GroupResponse> answer = new CompletableFuture<>();
    if (requests == null) {
      answer.completeExceptionally(new SkeinException(ErrorCode.LEADER_NOT_AVAILABLE,
          "LEADER_NOT_AVAILABLE: no session with the coordinator of group " + groupId() + " now"));
      return answer;
    }
    long correlationId = send(request);
    pending.put(correlationId, answer);
    return answer;
  }

  private long send(GroupRequest.Builder request) {
    long correlationId = nextCorrelationId++;
    if (requests != null) {
      requests.onNext(request.setCorrelationId(correlationId).build());
    }
    return correlationId;
  }

  private void endStream() {
    StreamObserver<GroupRequest> ending = requests;
    requests = null;
    streamId++;
    failPending(new SkeinException(ErrorCode.LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE: the group session ended"));
    if (ending != null) {
      try {
        ending.onCompleted();
      } catch (RuntimeException e) {
        log.debug("Group {}: closing the session failed: {}", groupId(), e.toString());
      }
    }
  }

  private void failPending(SkeinException cause) {
    List<CompletableFuture<GroupResponse>> failed = List.copyOf(pending.values());
    pending.clear();
    failed.forEach(answer -> answer.completeExceptionally(cause));
  }

  // ---- conversions -------------------------------------------------------------------------

  static Set<TopicPartition> partitions(List<TopicPartitions> grouped) {
    Set<TopicPartition> result = new LinkedHashSet<>();
    for (TopicPartitions topic : grouped) {
      for (int partition : topic.getPartitionsList()) {
        result.add(new TopicPartition(topic.getTopic(), partition));
      }
    }
    return result;
  }

  static List<TopicPartitions> grouped(Collection<TopicPartition> partitions) {
    Map<String, List<Integer>> byTopic = new TreeMap<>();
    for (TopicPartition partition : partitions) {
      byTopic.computeIfAbsent(partition.topic(), t -> new ArrayList<>()).add(partition.partition());
    }
    List<TopicPartitions> result = new ArrayList<>();
    byTopic.forEach((topic, numbers) -> {
      numbers.sort(null);
      result.add(TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(numbers).build());
    });
    return result;
  }
}
