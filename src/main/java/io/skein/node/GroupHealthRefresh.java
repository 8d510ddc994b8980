package io.skein.node;

import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.skein.broker.Caller;
import io.skein.broker.GroupRequests;
import io.skein.group.GroupOffsetQueries;
import io.skein.metrics.GroupHealth;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Describes every consumer group, with its lag, every {@link #INTERVAL} for the group gauges.
 * Only the oldest member (the one that hosts the Controller) does, so the cluster reports each
 * group once; a refresh still running when the next is due skips it.
 */
final class GroupHealthRefresh {

  private static final Logger LOG = LoggerFactory.getLogger(GroupHealthRefresh.class);
  static final Duration INTERVAL = Duration.ofSeconds(5);

  private final Cluster cluster;
  private final GroupRequests groups;
  private final GroupHealth health;
  private final AtomicBoolean running = new AtomicBoolean();

  private GroupHealthRefresh(Cluster cluster, GroupRequests groups, GroupHealth health) {
    this.cluster = cluster;
    this.groups = groups;
    this.health = health;
  }

  static void start(ActorSystem<?> system, GroupRequests groups, GroupHealth health) {
    GroupHealthRefresh refresh = new GroupHealthRefresh(Cluster.get(system), groups, health);
    system.scheduler().scheduleAtFixedRate(INTERVAL, INTERVAL, refresh::refresh, system.executionContext());
  }

  private void refresh() {
    if (!isOldest()) {
      health.update(List.of());
      return;
    }
    if (!running.compareAndSet(false, true)) {
      return;
    }
    groups.listGroups(Caller.BROKER)
        .thenCompose(listed -> {
          List<CompletableFuture<GroupHealth.Group>> described = listed.stream()
              .map(group -> groups.describeGroup(Caller.BROKER, group.groupId()).toCompletableFuture()
                  .thenApply(GroupHealthRefresh::toGroup)
                  .exceptionally(gone -> null))
              .toList();
          return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new))
              .thenApply(all -> described.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList());
        })
        .whenComplete((described, error) -> {
          running.set(false);
          if (error != null) {
            LOG.debug("Could not describe the consumer groups for their gauges: {}", error.toString());
          } else {
            health.update(described);
          }
        });
  }

  private static GroupHealth.Group toGroup(GroupRequests.GroupDescription description) {
    List<GroupHealth.Lag> lags = description.lags().stream()
        .filter(lag -> lag.lag() >= 0)
        .map(GroupHealthRefresh::toLag)
        .toList();
    return new GroupHealth.Group(description.group().groupId(), description.group().members().size(),
        description.group().generation(), lags);
  }

  private static GroupHealth.Lag toLag(GroupOffsetQueries.PartitionLag lag) {
    return new GroupHealth.Lag(lag.partition().topic(), lag.partition().partition(), lag.lag(),
        lag.lagMs() < 0 ? 0 : lag.lagMs() / 1000.0);
  }

  private boolean isOldest() {
    Member self = cluster.selfMember();
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() && !member.equals(self) && member.isOlderThan(self)) {
        return false;
      }
    }
    return self.status() == MemberStatus.up();
  }
}
