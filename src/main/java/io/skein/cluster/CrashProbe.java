package io.skein.cluster;

import akka.actor.Address;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import com.typesafe.config.Config;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One per node: tells a crashed broker from a slow one in a fraction of a second, where the
 * failure detector needs seconds of missed heartbeats. Every interval it opens a TCP connection
 * to the cluster port of a few other members (the next ones in address order, so each member is
 * probed by that many others) and closes it at once. A member whose port refuses the connection
 * has no process bound to it: it crashed (kill -9, out of memory) and its host's kernel says so.
 * Refused in two rounds in a row, it is downed, and leaderships move as soon as the Controller
 * sees the member downed: within two intervals of the crash.
 *
 * <p>Only a refusal counts. A frozen process's kernel still accepts connections, and a timeout
 * or an unreachable host (a lost machine, a partition) is left to the failure detector and the
 * split-brain resolver. A member is downed only while the members left, without it and without
 * any the failure detector suspects, are still a majority: the split-brain resolver's rule, so a
 * node that saw two of three brokers die downs itself rather than carry on alone. A wrongly
 * downed member (a refusal it did not deserve) costs a leadership move and a new incarnation of
 * that broker, never data: leader epochs fence it.
 */
public final class CrashProbe {

  public sealed interface Command {}

  private enum Tick implements Command { INSTANCE }

  /** A probe's outcome: {@code refused} if the member's port refused the connection. */
  private record Probed(UniqueAddress member, boolean refused) implements Command {}

  /** From {@code skein.cluster.crash-probe}. */
  public record Settings(boolean enabled, Duration interval, Duration connectTimeout, int probesPerMember) {

    public static Settings from(Config root) {
      Config config = root.getConfig("skein.cluster.crash-probe");
      Settings settings = new Settings(config.getBoolean("enabled"), config.getDuration("interval"),
          config.getDuration("connect-timeout"), config.getInt("probes-per-member"));
      if (settings.interval().isNegative() || settings.interval().isZero()
          || settings.connectTimeout().isNegative() || settings.connectTimeout().isZero()
          || settings.probesPerMember() < 1) {
        throw new IllegalArgumentException("skein.cluster.crash-probe: interval and connect-timeout must be positive"
            + " and probes-per-member at least 1, got " + settings);
      }
      return settings;
    }
  }

  public static Behavior<Command> create(Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.interval());
      return new CrashProbe(context, settings).behavior();
    }));
  }

  private final ActorContext<Command> context;
  private final Settings settings;
  private final Cluster cluster;
  private final Executor blockingIo;
  /** Members probed in this round and not answered yet; empty between rounds. */
  private final Set<UniqueAddress> probing = new HashSet<>();
  /** Members whose port refused in this round. */
  private final Set<UniqueAddress> refusing = new HashSet<>();
  /** Those that refused in the last complete round. */
  private Set<UniqueAddress> refusedBefore = Set.of();
  /** Those last found gone but not downed (no majority without them): said once, not every round. */
  private Set<UniqueAddress> leftToResolver = Set.of();

  private CrashProbe(ActorContext<Command> context, Settings settings) {
    this.context = context;
    this.settings = settings;
    this.cluster = Cluster.get(context.getSystem());
    this.blockingIo = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Probed.class, this::onProbed)
        .build();
  }

  /** Starts a round, unless the last one still waits for a slow host. */
  private Behavior<Command> onTick() {
    if (!probing.isEmpty()) {
      return Behaviors.same();
    }
    List<UniqueAddress> members = probeable().stream().map(Member::uniqueAddress).toList();
    for (UniqueAddress member : targets(members, cluster.selfMember().uniqueAddress(), settings.probesPerMember())) {
      probing.add(member);
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> refuses(member.address(), settings.connectTimeout()),
          blockingIo), (refused, failure) -> new Probed(member, refused != null && refused));
    }
    return Behaviors.same();
  }

  /**
   * Once the same members refused in two rounds in a row, downs them, all together or none: two
   * brokers killed within a round of each other are both seen by then, and this node alone must
   * not carry on without them (nor down one and leave the split-brain resolver a tie to break).
   */
  private Behavior<Command> onProbed(Probed probed) {
    probing.remove(probed.member());
    if (probed.refused()) {
      refusing.add(probed.member());
    }
    if (!probing.isEmpty()) {
      return Behaviors.same();
    }
    List<UniqueAddress> members = probeable().stream().map(Member::uniqueAddress).toList();
    Set<UniqueAddress> gone = new HashSet<>(refusing);
    gone.retainAll(members);
    refusing.clear();
    boolean stable = gone.equals(refusedBefore);
    refusedBefore = Set.copyOf(gone);
    if (gone.isEmpty() || !stable) {
      return Behaviors.same();
    }
    Set<UniqueAddress> suspected = new HashSet<>();
    cluster.state().getUnreachable().forEach(member -> suspected.add(member.uniqueAddress()));
    if (!leavesMajority(members, gone, suspected)) {
      if (!gone.equals(leftToResolver)) {
        context.getLog().warn("Members {} refuse connections on their cluster port, but without them and the"
            + " suspected {} the rest would be no majority: left to the split-brain resolver", gone, suspected);
      }
      leftToResolver = Set.copyOf(gone);
      return Behaviors.same();
    }
    for (UniqueAddress member : gone) {
      context.getLog().warn("Member {} refuses connections on its cluster port: its process is gone, downing it",
          member.address());
      cluster.manager().tell(new Down(member.address()));
    }
    return Behaviors.same();
  }

  /** Members whose process should be running: up, or leaving gracefully, not yet downed. */
  private List<Member> probeable() {
    List<Member> members = new ArrayList<>();
    for (Member member : cluster.state().getMembers()) {
      MemberStatus status = member.status();
      if (status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.leaving()) {
        members.add(member);
      }
    }
    return members;
  }

  /**
   * The members this node probes: the {@code count} that follow it in address order, wrapping
   * round, so that every member is probed by {@code count} others (all of them in a small cluster).
   */
  static List<UniqueAddress> targets(List<UniqueAddress> members, UniqueAddress self, int count) {
    List<UniqueAddress> sorted = new ArrayList<>(members);
    sorted.sort(Comparator.naturalOrder());
    int at = 0;
    while (at < sorted.size() && sorted.get(at).compareTo(self) <= 0) {
      at++;
    }
    List<UniqueAddress> targets = new ArrayList<>();
    for (int i = 0; i < sorted.size() && targets.size() < count; i++) {
      UniqueAddress member = sorted.get((at + i) % sorted.size());
      if (!member.equals(self)) {
        targets.add(member);
      }
    }
    return targets;
  }

  /** Whether the {@code members} left once {@code gone} are downed, without those {@code suspected}, are a majority. */
  static boolean leavesMajority(List<UniqueAddress> members, Set<UniqueAddress> gone, Set<UniqueAddress> suspected) {
    long left = members.stream().filter(member -> !gone.contains(member) && !suspected.contains(member)).count();
    return left * 2 > members.size();
  }

  /** Whether the cluster port at {@code address} refuses a connection (blocking: on the I/O threads). */
  static boolean refuses(Address address, Duration connectTimeout) {
    if (address.getHost().isEmpty() || address.getPort().isEmpty()) {
      return false;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address.getHost().get(), address.getPort().get()),
          (int) connectTimeout.toMillis());
      return false;
    } catch (ConnectException e) {
      // Also thrown for a connection that timed out at the operating system's own limit.
      return e.getMessage() != null && e.getMessage().contains("refused");
    } catch (IOException e) {
      return false;
    }
  }
}
