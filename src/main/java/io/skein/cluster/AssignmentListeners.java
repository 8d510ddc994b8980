package io.skein.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.Receptionist;
import io.skein.metadata.Topic;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The Controller's view of the brokers' listeners of assignment changes, as the Receptionist
 * lists them: a listener that appears is told the assignments at once, and every listener is
 * told each change. Used only inside the Controller.
 */
final class AssignmentListeners<L> {

  private final AssignmentSubscribers<L> subscribers;
  private Set<ActorRef<L>> listeners = Set.of();

  AssignmentListeners(AssignmentSubscribers<L> subscribers) {
    this.subscribers = subscribers;
  }

  void update(Receptionist.Listing listing, Map<String, Topic> topics) {
    Set<ActorRef<L>> current = listing.getServiceInstances(subscribers.listeners());
    Set<ActorRef<L>> added = new HashSet<>(current);
    added.removeAll(listeners);
    listeners = current;
    L snapshot = subscribers.assignmentsChanged(topics);
    added.forEach(listener -> listener.tell(snapshot));
  }

  void announce(Map<String, Topic> topics) {
    L snapshot = subscribers.assignmentsChanged(topics);
    listeners.forEach(listener -> listener.tell(snapshot));
  }
}
