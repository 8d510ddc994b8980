package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.skein.cluster.Controller;
import io.skein.security.AclStore;
import io.skein.security.Acls;
import io.skein.security.Authorizer;
import io.skein.security.AuthorizerSettings;
import io.skein.security.QuotaStore;
import io.skein.security.Quotas;
import io.skein.security.UserCredentials;
import io.skein.security.UserStore;

/**
 * The request layer of one broker, under every protocol it speaks: each protocol's handlers
 * translate their messages into these calls and the answers back, and nothing else.
 */
public final class Broker {

  private final PartitionRequests partitions;
  private final TopicAdmin topics;
  private final GroupRequests groups;
  private final ProducerIds producerIds;
  private final ConfigAdmin configs;
  private final UserAdmin users;
  private final QuotaAdmin quotas;
  private final AclAdmin acls;
  private final Access access;
  private final ActorSystem<?> system;

  private Broker(PartitionRequests partitions, TopicAdmin topics, GroupRequests groups, ProducerIds producerIds,
      ConfigAdmin configs, UserAdmin users, QuotaAdmin quotas, AclAdmin acls, Access access, ActorSystem<?> system) {
    this.system = system;
    this.partitions = partitions;
    this.topics = topics;
    this.groups = groups;
    this.producerIds = producerIds;
    this.configs = configs;
    this.users = users;
    this.quotas = quotas;
    this.acls = acls;
    this.access = access;
  }

  public static Broker create(ActorSystem<?> system, ActorRef<Controller.Command> controller,
      ActorRef<UserStore.Command> userStore, UserCredentials userCopy, ActorRef<QuotaStore.Command> quotaStore,
      Quotas quotaCopy, ActorRef<AclStore.Command> aclStore, Acls aclCopy, AuthorizerSettings authorizer,
      RequestSettings settings, String clusterId, int brokerId) {
    Access access = new Access(new Authorizer(authorizer, aclCopy));
    TopicAdmin topics = new TopicAdmin(system, controller, settings, clusterId, access);
    return new Broker(new PartitionRequests(system, settings, access), topics,
        new GroupRequests(system, topics, settings, access),
        new ProducerIds(system, controller, settings, brokerId, access),
        new ConfigAdmin(system, topics, settings, access),
        new UserAdmin(system, userStore, userCopy, settings, access),
        new QuotaAdmin(system, quotaStore, quotaCopy, settings),
        new AclAdmin(system, aclStore, aclCopy, access, settings), access, system);
  }

  /** Produce, fetch and offset look-ups. */
  public PartitionRequests partitions() {
    return partitions;
  }

  /** Topic administration and cluster metadata. */
  public TopicAdmin topics() {
    return topics;
  }

  /** Producer ids for idempotent producers. */
  public ProducerIds producerIds() {
    return producerIds;
  }

  /** Topic and broker configs with their sources, and changes to topic configs by operation. */
  public ConfigAdmin configs() {
    return configs;
  }

  /** The cluster's SCRAM users. */
  public UserAdmin users() {
    return users;
  }

  /** The cluster's client quotas. */
  public QuotaAdmin quotas() {
    return quotas;
  }

  /** The cluster's ACLs. */
  public AclAdmin acls() {
    return acls;
  }

  /** Who may do what: the one authorization check of every request. */
  public Access access() {
    return access;
  }

  /**
   * A group member whose session this broker runs for {@code caller}, handing its records to
   * {@code listener}; see start.
   */
  public GroupConsumer groupConsumer(Caller caller, GroupConsumer.Listener listener) {
    return new GroupConsumer(system, partitions, groups, caller, listener);
  }

  /** Consumer group sessions, committed offsets and group administration. */
  public GroupRequests groups() {
    return groups;
  }
}
