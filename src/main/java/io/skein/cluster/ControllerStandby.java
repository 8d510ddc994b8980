package io.skein.cluster;

import akka.actor.DeadLetter;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.Behavior;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One per node: runs a second Controller here while the node hosting the Controller singleton is
 * suspected and this node would host it next, and points this node's {@link ControllerRouter}
 * at whichever Controller stands in, so that leaders move off a dead Controller host (and ISRs
 * shrink there) as fast as off any other broker.
 *
 * <p>The singleton itself moves only once its node is downed and removed, seconds after the
 * failure detector suspected it; until then nothing would elect leaders for the partitions the
 * dead node led or take the ISR changes of those it followed. The stand-in recovers the
 * Controller's state from the journal and elects at once (it sees the suspected node as
 * unreachable). Two Controllers may then run, if the suspected node was only slow: the journal
 * fences them, since each event is stored under the next sequence number of the one
 * persistence id and a second write of a number fails, which restarts the Controller that lost
 * with the state the other wrote. Nothing takes effect before it is persisted, so a fenced
 * Controller announces nothing. The stand-in stops once the suspected node is reachable again
 * or removed (the singleton then starts on the next oldest node, normally this one).
 */
public final class ControllerStandby {

  /** The stand-in Controller's name under this actor: the same on every node, so others can address it. */
  static final String STAND_IN = "controller";

  public sealed interface Command {}

  /** Reachability changed: stand in, or stop, and route, as the new view says. */
  private record ViewChanged(UniqueAddress node, Reachability reachability) implements Command {}

  /** Membership changed: the same. */
  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  /** The stand-in stopped: its name is free for the next one. */
  private enum StandInStopped implements Command { INSTANCE }

  /** A message this node could not deliver: a command sent to a stand-in here before it started, or after it stopped. */
  private record Undelivered(DeadLetter letter) implements Command {}

  private enum Reachability { REACHABLE, UNREACHABLE }

  public static Behavior<Command> create(ControllerSettings settings, AssignmentSubscribers<?> subscribers,
      ControllerRouter.Route route) {
    return Behaviors.setup(context -> {
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberEvent.class,
          MemberChanged::new), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(context.messageAdapter(ClusterEvent.ReachabilityEvent.class,
          event -> new ViewChanged(event.member().uniqueAddress(), event instanceof ClusterEvent.ReachableMember
              ? Reachability.REACHABLE : Reachability.UNREACHABLE)),
          ClusterEvent.ReachabilityEvent.class));
      context.getSystem().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class,
          context.messageAdapter(DeadLetter.class, Undelivered::new)));
      return new ControllerStandby(context, settings, subscribers, route).behavior();
    });
  }

  private final ActorContext<Command> context;
  private final ControllerSettings settings;
  private final AssignmentSubscribers<?> subscribers;
  private final ControllerRouter.Route route;
  private final Cluster cluster;
  /** Members the failure detector suspects, as its events said (the cluster's state may lag them). */
  private final Set<UniqueAddress> unreachable = new HashSet<>();
  /** The members, as their events said (the cluster's state may lag them too). */
  private final MemberView members;
  /** The Controller standing in here; null when none runs. */
  private ActorRef<Controller.Command> standIn;
  /** A stopped stand-in whose termination has not been seen yet. */
  private boolean stopping;

  private ControllerStandby(ActorContext<Command> context, ControllerSettings settings,
      AssignmentSubscribers<?> subscribers, ControllerRouter.Route route) {
    this.context = context;
    this.settings = settings;
    this.subscribers = subscribers;
    this.route = route;
    this.cluster = Cluster.get(context.getSystem());
    this.members = new MemberView(cluster.state().getMembers());
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(ViewChanged.class, this::onViewChanged)
        .onMessage(MemberChanged.class, changed -> {
          members.apply(changed.event());
          return reconcile();
        })
        .onMessage(StandInStopped.class, stopped -> {
          stopping = false;
          return reconcile();
        })
        .onMessage(Undelivered.class, this::onUndelivered)
        .build();
  }

  /**
   * Another node saw the Controller's host fail before this one did (or after it recovered) and
   * sent a command to a stand-in here that does not run: it goes to the stand-in if one runs by
   * now, else to the singleton. Never to another node, so no command can go round in circles.
   */
  private Behavior<Command> onUndelivered(Undelivered undelivered) {
    DeadLetter letter = undelivered.letter();
    if (letter.message() instanceof Controller.Command command
        && letter.recipient().path().name().equals(STAND_IN)
        && letter.recipient().path().parent().name().equals(context.getSelf().path().name())) {
      (standIn != null ? standIn : route.singleton()).tell(command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onViewChanged(ViewChanged changed) {
    switch (changed.reachability()) {
      case REACHABLE -> unreachable.remove(changed.node());
      case UNREACHABLE -> unreachable.add(changed.node());
    }
    return reconcile();
  }

  /** Starts or stops the stand-in here and points the route where the Controller is now. */
  private Behavior<Command> reconcile() {
    Optional<Member> next = standIn(List.copyOf(members.members()), unreachable);
    boolean here = next.isPresent() && next.get().uniqueAddress().equals(cluster.selfMember().uniqueAddress());
    if (here && standIn == null && !stopping) {
      context.getLog().info("Standing in for the Controller, whose node is unreachable: electing from this node");
      standIn = context.spawn(Controller.create(settings, subscribers), STAND_IN);
      context.watchWith(standIn, StandInStopped.INSTANCE);
    } else if (!here && standIn != null) {
      context.getLog().info("No longer standing in for the Controller: its node is reachable again or gone");
      context.stop(standIn);
      standIn = null;
      stopping = true;
    }
    if (here && standIn != null) {
      route.to(standIn);
    } else if (next.isPresent() && !here) {
      route.to(ActorRefResolver.get(context.getSystem()).resolveActorRef(
          next.get().address() + "/system/" + context.getSelf().path().name() + "/" + STAND_IN));
    } else {
      route.toSingleton();
    }
    return Behaviors.same();
  }

  /**
   * The member that should stand in for the singleton's host now, if any: when the host (the
   * oldest member that is up, leaving or not yet removed) is suspected or downed, the oldest of
   * the up members not suspected, provided those are a majority (a node cut off from the others
   * must not elect).
   */
  static Optional<Member> standIn(List<Member> members, Set<UniqueAddress> unreachable) {
    Member host = null;
    Member oldestReachable = null;
    int counted = 0;
    int reachable = 0;
    for (Member member : members) {
      if (!mayHostSingleton(member)) {
        continue;
      }
      MemberStatus status = member.status();
      counted++;
      if (host == null || member.isOlderThan(host)) {
        host = member;
      }
      if (status == MemberStatus.up() && !unreachable.contains(member.uniqueAddress())) {
        reachable++;
        if (oldestReachable == null || member.isOlderThan(oldestReachable)) {
          oldestReachable = member;
        }
      }
    }
    boolean hostFailed = host != null && failed(host, unreachable);
    return hostFailed && oldestReachable != null && reachable * 2 > counted
        ? Optional.of(oldestReachable) : Optional.empty();
  }

  /**
   * Whether this node sees a Controller that can act, as its own view of the cluster says: the
   * singleton's host is neither suspected nor downed, or a member stands in for it.
   */
  public static boolean controllerReachable(Cluster cluster) {
    List<Member> members = new ArrayList<>();
    cluster.state().getMembers().forEach(members::add);
    Set<UniqueAddress> unreachable = new HashSet<>();
    cluster.state().getUnreachable().forEach(member -> unreachable.add(member.uniqueAddress()));
    return controllerReachable(members, unreachable);
  }

  static boolean controllerReachable(List<Member> members, Set<UniqueAddress> unreachable) {
    Optional<Member> host = members.stream().filter(ControllerStandby::mayHostSingleton)
        .reduce((oldest, member) -> member.isOlderThan(oldest) ? member : oldest);
    return host.isPresent() && (!failed(host.get(), unreachable) || standIn(members, unreachable).isPresent());
  }

  /** Up, or on its way out but not removed yet: the singleton may still run there. */
  private static boolean mayHostSingleton(Member member) {
    MemberStatus status = member.status();
    return status == MemberStatus.up() || status == MemberStatus.leaving() || status == MemberStatus.exiting()
        || status == MemberStatus.down();
  }

  private static boolean failed(Member member, Set<UniqueAddress> unreachable) {
    return unreachable.contains(member.uniqueAddress()) || member.status() == MemberStatus.down();
  }
}
