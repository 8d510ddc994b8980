package io.skein.cluster;

import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.skein.metadata.BrokerAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Brokers as the cluster sees them. Each node announces its broker id, client endpoint and
 * rack as cluster roles, so membership alone tells every node which brokers are alive and
 * where clients reach them, with no extra protocol to keep consistent.
 */
public final class BrokerRoles {

  private static final String ID_ROLE = "skein-broker-";
  private static final String ENDPOINT_ROLE = "skein-grpc-";
  private static final String RACK_ROLE = "skein-rack-";

  private BrokerRoles() {}

  /** The cluster roles the node of {@code broker} announces. */
  public static List<String> of(BrokerAddress broker) {
    List<String> roles = new ArrayList<>(List.of(ID_ROLE + broker.id(), ENDPOINT_ROLE + broker.host() + ":" + broker.port()));
    if (!broker.rack().isEmpty()) {
      roles.add(RACK_ROLE + broker.rack());
    }
    return roles;
  }

  /** The broker a member announces, if it is a Skein broker. */
  public static Optional<BrokerAddress> brokerOf(Member member) {
    Set<String> roles = member.getRoles();
    Integer id = null;
    String host = null;
    int port = -1;
    String rack = "";
    for (String role : roles) {
      if (role.startsWith(ID_ROLE)) {
        id = Integer.parseInt(role.substring(ID_ROLE.length()));
      } else if (role.startsWith(ENDPOINT_ROLE)) {
        String endpoint = role.substring(ENDPOINT_ROLE.length());
        int colon = endpoint.lastIndexOf(':');
        host = endpoint.substring(0, colon);
        port = Integer.parseInt(endpoint.substring(colon + 1));
      } else if (role.startsWith(RACK_ROLE)) {
        rack = role.substring(RACK_ROLE.length());
      }
    }
    return id == null || host == null ? Optional.empty() : Optional.of(new BrokerAddress(id, host, port, rack));
  }

  /** Brokers whose members are up, by id. */
  public static List<BrokerAddress> live(Cluster cluster) {
    List<BrokerAddress> brokers = new ArrayList<>();
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp()) {
        brokerOf(member).ifPresent(brokers::add);
      }
    }
    brokers.sort(Comparator.comparingInt(BrokerAddress::id));
    return brokers;
  }
}
