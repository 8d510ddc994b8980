package io.skein.group;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.skein.metadata.PartitionKey;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.GroupRequest;
import io.skein.proto.v1.GroupResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.Heartbeat;
import io.skein.proto.v1.JoinGroup;
import io.skein.proto.v1.LeaveGroup;
import io.skein.proto.v1.RevocationAck;
import io.skein.proto.v1.TopicPartitions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A minimal group member over the raw GroupSession stream, as a client library would be:
 * heartbeats on a timer, follows assignments, acknowledges revocations at once, and
 * records everything it was told.
 */
final class TestMember implements AutoCloseable {

  private final StreamObserver<GroupRequest> requests;
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong correlation = new AtomicLong();

  // guarded by this
  private String memberId;
  private int generation = -1;
  private final Set<PartitionKey> owned = new HashSet<>();
  private final List<GroupResponse> received = new ArrayList<>();
  private final List<Set<PartitionKey>> revocations = new ArrayList<>();
  private boolean ended;
  private Throwable failure;
  private boolean autoAck = true;

  TestMember(ManagedChannel channel) {
    this.requests = GroupServiceGrpc.newStub(channel).groupSession(new StreamObserver<>() {
      @Override
      public void onNext(GroupResponse response) {
        onResponse(response);
      }

      @Override
      public void onError(Throwable t) {
        synchronized (TestMember.this) {
          failure = t;
          ended = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (TestMember.this) {
          ended = true;
        }
      }
    });
  }

  static TestMember join(ManagedChannel channel, String group, String topic, int sessionTimeoutMs, String assignor) {
    return join(channel, JoinGroup.newBuilder().setGroupId(group).setClientId("test").addTopics(topic)
        .setSessionTimeoutMs(sessionTimeoutMs).setAssignor(assignor));
  }

  static TestMember join(ManagedChannel channel, JoinGroup.Builder join) {
    int sessionTimeoutMs = join.getSessionTimeoutMs();
    TestMember member = new TestMember(channel);
    member.send(GroupRequest.newBuilder().setJoin(join));
    member.await(() -> member.memberId() != null, "joined");
    member.heartbeats.scheduleAtFixedRate(member::heartbeat, 0, Math.max(50, sessionTimeoutMs / 5), TimeUnit.MILLISECONDS);
    return member;
  }

  private synchronized void onResponse(GroupResponse response) {
    received.add(response);
    switch (response.getKindCase()) {
      case JOINED -> {
        memberId = response.getJoined().getMemberId();
        generation = response.getJoined().getGeneration();
      }
      case ASSIGNMENT -> {
        generation = response.getAssignment().getGeneration();
        owned.clear();
        owned.addAll(keys(response.getAssignment().getPartitionsList()));
      }
      case REVOCATION -> {
        generation = response.getRevocation().getGeneration();
        Set<PartitionKey> revoked = keys(response.getRevocation().getPartitionsList());
        revocations.add(revoked);
        owned.removeAll(revoked);
        if (autoAck) {
          send(GroupRequest.newBuilder().setRevocationAck(RevocationAck.newBuilder().setMemberId(memberId)
              .setGeneration(generation).addAllPartitions(response.getRevocation().getPartitionsList())));
        }
      }
      default -> { }
    }
  }

  synchronized void send(GroupRequest.Builder request) {
    if (!ended) {
      requests.onNext(request.setCorrelationId(correlation.incrementAndGet()).build());
    }
  }

  private void heartbeat() {
    String id;
    int gen;
    synchronized (this) {
      id = memberId;
      gen = generation;
    }
    send(GroupRequest.newBuilder().setHeartbeat(Heartbeat.newBuilder().setMemberId(id).setGeneration(gen)));
  }

  /** Stops heartbeating but keeps the stream open: the member goes silent. */
  void silence() {
    heartbeats.shutdownNow();
  }

  /** Half-closes the stream without leaving. */
  synchronized void closeStream() {
    heartbeats.shutdownNow();
    if (!ended) {
      ended = true;
      requests.onCompleted();
    }
  }

  void leave() {
    send(GroupRequest.newBuilder().setLeave(LeaveGroup.newBuilder().setMemberId(memberId())));
  }

  synchronized void autoAck(boolean on) {
    autoAck = on;
  }

  synchronized String memberId() {
    return memberId;
  }

  synchronized int generation() {
    return generation;
  }

  synchronized Set<PartitionKey> owned() {
    return Set.copyOf(owned);
  }

  synchronized List<Set<PartitionKey>> revocations() {
    return List.copyOf(revocations);
  }

  synchronized List<GroupResponse> received() {
    return List.copyOf(received);
  }

  synchronized boolean ended() {
    return ended;
  }

  synchronized boolean gotError(ErrorCode code) {
    return received.stream().anyMatch(r -> r.hasError() && r.getError().getCode() == code);
  }

  @Override
  public void close() {
    closeStream();
  }

  static Set<PartitionKey> keys(List<TopicPartitions> list) {
    Set<PartitionKey> keys = new HashSet<>();
    for (TopicPartitions tp : list) {
      tp.getPartitionsList().forEach(p -> keys.add(new PartitionKey(tp.getTopic(), p)));
    }
    return keys;
  }

  /** Polls until the condition holds, failing after a deadline. */
  static void await(BooleanSupplier condition, String what) {
    await(condition, what, Duration.ofSeconds(15));
  }

  static void await(BooleanSupplier condition, String what, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }
}
