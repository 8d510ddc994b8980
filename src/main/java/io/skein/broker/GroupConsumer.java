package io.skein.broker;

import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.skein.common.Failure;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupSession;
import io.skein.metadata.PartitionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import scala.concurrent.ExecutionContextExecutor;

/**
 * A group member whose session the broker runs itself, for clients that only want records:
 * it joins through a {@link GroupSession}, heartbeats at a third of the session timeout,
 * reads its assigned partitions from their committed offsets (the log start where none is
 * committed) and hands the records to its {@link Listener} while the listener can take them.
 * On a revocation it stops reading the revoked partitions at once and acknowledges them when
 * the client says it has committed; closing it leaves the group.
 *
 * <p>Reads go to all owned partitions at once ({@link MultiFetch}), one read at a time, each
 * waiting up to {@link #POLL} for new data; a partition that fails is read again after
 * {@link #RETRY}. Every listener call happens under this object's lock.
 */
public final class GroupConsumer {

  /** How long one read waits for new data: also how soon a newly assigned partition is read. */
  static final Duration POLL = Duration.ofSeconds(1);
  /** How long reads pause after a partition failed (e.g. its leader moved). */
  static final Duration RETRY = Duration.ofMillis(500);
  /** Correlation ids of the requests the broker sends for the member, whose answers the client never sees. */
  private static final long JOIN = 0;
  private static final long HEARTBEAT = -1;
  private static final long REVOCATION_ACK = -2;

  /** Where the member's news and records go. */
  public interface Listener {
    void joined(String memberId, int generation);

    void assigned(int generation, List<PartitionKey> partitions, List<PartitionKey> added);

    /** Stop processing these partitions, commit them, then call {@link #revocationDone}. */
    void revoking(int generation, List<PartitionKey> partitions);

    void committed(long correlationId, List<GroupCoordinator.PartitionResult> results, Failure failure);

    /** A request of the member failed without ending it. */
    void rejected(long correlationId, Failure failure);

    /** Whether records may be handed over now. */
    boolean canTake();

    /**
     * Takes records of {@code fetched} from {@code fromOffset} on, as many as it can now; answers
     * the offset to read from next.
     */
    long take(PartitionKey partition, PartitionRequests.Fetched fetched, long fromOffset);

    /** The member is out of the group: with a failure, or null once it left as asked. */
    void ended(Failure failure);
  }

  /** What the member asks the group for. */
  public record Join(String groupId, String clientId, List<String> topics, int sessionTimeoutMs,
      int rebalanceTimeoutMs, String assignor) {}

  private final ActorSystem<?> system;
  private final PartitionRequests partitions;
  private final GroupRequests groups;
  private final Listener listener;
  private final Caller caller;
  private final ExecutionContextExecutor executor;
  private ActorRef<GroupSession.Command> session;
  private String groupId;
  private String memberId = "";
  private int generation = -1;
  /** Owned partitions and where each is read next; -1 while its committed offset is looked up. */
  private final Map<PartitionKey, Long> positions = new LinkedHashMap<>();
  private List<PartitionKey> revoking = List.of();
  private boolean readInFlight;
  private boolean ended;
  private Cancellable heartbeats;

  GroupConsumer(ActorSystem<?> system, PartitionRequests partitions, GroupRequests groups, Caller caller,
      Listener listener) {
    this.caller = caller;
    this.system = system;
    this.partitions = partitions;
    this.groups = groups;
    this.listener = listener;
    this.executor = system.executionContext();
  }

  /** Joins the group for a client at {@code host}. */
  public synchronized void start(String host, Join join) {
    groupId = join.groupId();
    session = groups.openSession(caller, host, new Outbox());
    session.tell(new GroupSession.JoinRequest(JOIN, join.groupId(), "", join.clientId(), join.topics(), "",
        join.sessionTimeoutMs(), join.rebalanceTimeoutMs(), join.assignor()));
  }

  /** Commits offsets in the member's current generation; answered by {@link Listener#committed}. */
  public synchronized void commit(long correlationId, List<GroupCoordinator.OffsetToCommit> offsets) {
    session.tell(new GroupSession.CommitRequest(correlationId, memberId, generation, offsets));
  }

  /** The client has committed what it processed of the partitions being revoked: they may move. */
  public synchronized void revocationDone() {
    session.tell(new GroupSession.AckRequest(REVOCATION_ACK, memberId, generation, revoking));
    revoking = List.of();
  }

  /** The client went away or is done: the member leaves the group. */
  public synchronized void close() {
    stop();
    if (session != null) {
      session.tell(new GroupSession.ClientGone());
    }
  }

  /** Reads more if the listener can take it and no read is out. */
  public synchronized void pump() {
    if (ended || readInFlight || !listener.canTake()) {
      return;
    }
    List<MultiFetch.Wanted> wanted = new ArrayList<>();
    positions.forEach((partition, offset) -> {
      if (offset >= 0) {
        wanted.add(new MultiFetch.Wanted(partition.topic(), partition.partition(), offset, 0));
      }
    });
    if (wanted.isEmpty()) {
      return;
    }
    readInFlight = true;
    partitions.fetch(caller, wanted, 0, POLL.toMillis())
        .whenCompleteAsync((results, error) -> onRead(wanted, results), executor);
  }

  private synchronized void onRead(List<MultiFetch.Wanted> wanted, List<MultiFetch.Result> results) {
    readInFlight = false;
    boolean failed = results == null;
    for (int i = 0; !failed && i < wanted.size(); i++) {
      MultiFetch.Wanted asked = wanted.get(i);
      PartitionKey partition = new PartitionKey(asked.topic(), asked.partition());
      Long position = positions.get(partition);
      MultiFetch.Result result = results.get(i);
      // Revoked, or re-assigned and looked up again, while the read was out: not this read's any more.
      if (position == null || position != asked.offset()) {
        continue;
      }
      if (result.error() != null) {
        failed = true;
      } else if (result.hasRecords() && listener.canTake()) {
        positions.put(partition, listener.take(partition, result.fetched(), asked.offset()));
      }
    }
    if (failed) {
      system.scheduler().scheduleOnce(RETRY, this::pump, executor);
    } else {
      pump();
    }
  }

  private synchronized void onJoined(GroupCoordinator.Joined joined) {
    memberId = joined.memberId();
    generation = joined.generation();
    Duration every = Duration.ofMillis(Math.max(1, joined.sessionTimeoutMs() / 3));
    heartbeats = system.scheduler().scheduleWithFixedDelay(every, every, this::heartbeat, executor);
    listener.joined(memberId, generation);
  }

  private synchronized void heartbeat() {
    if (!ended) {
      session.tell(new GroupSession.HeartbeatRequest(HEARTBEAT, memberId, generation));
    }
  }

  private synchronized void onAssigned(GroupCoordinator.Assigned assigned) {
    generation = assigned.generation();
    positions.keySet().retainAll(assigned.partitions());
    List<PartitionKey> added = new ArrayList<>();
    for (PartitionKey partition : assigned.partitions()) {
      if (positions.putIfAbsent(partition, -1L) == null) {
        added.add(partition);
      }
    }
    listener.assigned(generation, assigned.partitions(), assigned.added());
    if (!added.isEmpty()) {
      groups.fetchOffsets(caller, groupId, memberId, generation, added)
          .whenCompleteAsync((committed, error) -> onCommittedOffsets(added, committed), executor);
    }
  }

  /** Starts reading new partitions where the group committed, or at the log start. */
  private synchronized void onCommittedOffsets(List<PartitionKey> added, List<GroupCoordinator.CommittedOffset> found) {
    Map<PartitionKey, Long> committed = new LinkedHashMap<>();
    if (found != null) {
      found.forEach(c -> committed.put(new PartitionKey(c.topic(), c.partition()), c.offset()));
    }
    for (PartitionKey partition : added) {
      long offset = committed.getOrDefault(partition, -1L);
      if (offset >= 0) {
        start(partition, offset);
      } else {
        partitions.leader(partition.topic(), partition.partition()).offsetFor(PartitionRequests.EARLIEST)
            .whenCompleteAsync((earliest, error) -> start(partition, earliest == null ? 0 : earliest.offset()),
                executor);
      }
    }
  }

  private synchronized void start(PartitionKey partition, long offset) {
    if (positions.containsKey(partition) && positions.get(partition) < 0) {
      positions.put(partition, offset);
      pump();
    }
  }

  private synchronized void onRevoked(GroupCoordinator.Revoked revoked) {
    generation = revoked.generation();
    positions.keySet().removeAll(revoked.partitions());
    revoking = revoked.partitions();
    listener.revoking(generation, revoked.partitions());
  }

  private synchronized void onFromSession(GroupCoordinator.ToMember message) {
    if (message instanceof GroupCoordinator.Joined joined) {
      onJoined(joined);
    } else if (message instanceof GroupCoordinator.Assigned assigned) {
      onAssigned(assigned);
    } else if (message instanceof GroupCoordinator.Revoked revoked) {
      onRevoked(revoked);
    } else if (message instanceof GroupCoordinator.CommitReply reply) {
      listener.committed(reply.correlationId(), reply.results(), reply.failure());
    } else if (message instanceof GroupCoordinator.Rejected rejected && rejected.correlationId() == JOIN
        && memberId.isEmpty()) {
      onEnded(rejected.failure()); // never joined: nothing more will come
    } else if (message instanceof GroupCoordinator.Rejected rejected && rejected.correlationId() != HEARTBEAT) {
      listener.rejected(rejected.correlationId(), rejected.failure());
    }
  }

  private synchronized void onEnded(Failure failure) {
    if (!ended) {
      stop();
      listener.ended(failure);
    }
  }

  private void stop() {
    ended = true;
    positions.clear();
    if (heartbeats != null) {
      heartbeats.cancel();
    }
  }

  /** The session's side: what it would write to a GroupSession stream comes here instead. */
  private final class Outbox implements GroupSession.Outbox {
    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void send(GroupCoordinator.ToMember message) {
      onFromSession(message);
    }

    @Override
    public void complete() {
      onEnded(null);
    }

    @Override
    public void fail(Failure failure) {
      onEnded(failure);
    }

    @Override
    public void requestNext() {}
  }
}
