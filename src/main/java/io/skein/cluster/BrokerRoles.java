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
import java.util.function.Function;

/**
 * Brokers as the cluster sees them. Each node announces its broker id, client endpoint and
 * rack as cluster roles, so membership alone tells every node which brokers are alive and
 * where clients reach them, with no extra protocol to keep consistent.
 */
public final class BrokerRoles {

  private static final String ID_ROLE = "skein-broker-";
  private static final String ENDPOINT_ROLE = "skein-grpc-";
  private static final String RACK_ROLE = "skein-rack-";
  private static final String KAFKA_ENDPOINT_ROLE = "skein-kafka-";

  private BrokerRoles() {}

  /** The cluster roles the node of {@code broker} announces. */
  public static List<String> of(BrokerAddress broker) {
    return of(broker, Optional.empty());
  }

  /** The roles of a broker that also has a Kafka listener, advertised at {@code kafka}'s host and port. */
  public static List<String> of(BrokerAddress broker, Optional<BrokerAddress> kafka) {
    List<String> roles = new ArrayList<>(List.of(ID_ROLE + broker.id(), ENDPOINT_ROLE + broker.host() + ":" + broker.port()));
    if (!broker.rack().isEmpty()) {
      roles.add(RACK_ROLE + broker.rack());
    }
    kafka.ifPresent(k -> roles.add(KAFKA_ENDPOINT_ROLE + k.host() + ":" + k.port()));
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

  /** The broker a member announces with its Kafka listener's advertised endpoint, if it has one. */
  public static Optional<BrokerAddress> kafkaListenerOf(Member member) {
    return brokerOf(member).flatMap(broker -> member.getRoles().stream()
        .filter(role -> role.startsWith(KAFKA_ENDPOINT_ROLE))
        .findFirst()
        .map(role -> {
          String endpoint = role.substring(KAFKA_ENDPOINT_ROLE.length());
          int colon = endpoint.lastIndexOf(':');
          return new BrokerAddress(broker.id(), endpoint.substring(0, colon),
              Integer.parseInt(endpoint.substring(colon + 1)), broker.rack());
        }));
  }

  /** Brokers whose members are up, by id, at their gRPC endpoints. */
  public static List<BrokerAddress> live(Cluster cluster) {
    return live(cluster, BrokerRoles::brokerOf);
  }

  /** Brokers whose members are up and serve Kafka, by id, at their Kafka listeners' endpoints. */
  public static List<BrokerAddress> liveKafkaListeners(Cluster cluster) {
    return live(cluster, BrokerRoles::kafkaListenerOf);
  }

  private static List<BrokerAddress> live(Cluster cluster, Function<Member, Optional<BrokerAddress>> endpoint) {
    List<BrokerAddress> brokers = new ArrayList<>();
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp()) {
        endpoint.apply(member).ifPresent(brokers::add);
      }
    }
    brokers.sort(Comparator.comparingInt(BrokerAddress::id));
    return brokers;
  }
}
