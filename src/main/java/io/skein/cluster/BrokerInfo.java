package io.skein.cluster;

import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.skein.common.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A broker as the cluster sees it. Each node announces its broker id, client endpoint and
 * rack as cluster roles, so membership alone tells every node which brokers are alive and
 * where clients reach them, with no extra protocol to keep consistent.
 */
public record BrokerInfo(int id, String host, int port, String rack) implements CborSerializable {

  private static final String ID_ROLE = "skein-broker-";
  private static final String ENDPOINT_ROLE = "skein-grpc-";
  private static final String RACK_ROLE = "skein-rack-";

  /** The cluster roles a node with this identity announces. */
  public List<String> roles() {
    List<String> roles = new ArrayList<>(List.of(ID_ROLE + id, ENDPOINT_ROLE + host + ":" + port));
    if (!rack.isEmpty()) {
      roles.add(RACK_ROLE + rack);
    }
    return roles;
  }

  /** The broker a member announces, if it is a Skein broker. */
  public static Optional<BrokerInfo> of(Member member) {
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
    return id == null || host == null ? Optional.empty() : Optional.of(new BrokerInfo(id, host, port, rack));
  }

  /** Brokers whose members are up, by id. */
  public static List<BrokerInfo> live(Cluster cluster) {
    List<BrokerInfo> brokers = new ArrayList<>();
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp()) {
        of(member).ifPresent(brokers::add);
      }
    }
    brokers.sort(Comparator.comparingInt(BrokerInfo::id));
    return brokers;
  }
}
