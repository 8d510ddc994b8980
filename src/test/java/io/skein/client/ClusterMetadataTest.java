package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.BrokerDescription;
import io.skein.proto.v1.ListTopicsRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClusterMetadataTest {

  private static final HostPort FIRST = new HostPort("node-1", 9092);
  private static final HostPort SECOND = new HostPort("node-2", 9092);

  @Test
  void requestsForAnyBrokerStayOnOneAndMoveOnWhenItCannotBeReached() throws Exception {
    try (FakeBroker first = new FakeBroker(); FakeBroker second = new FakeBroker()) {
      List<BrokerDescription> cluster = List.of(
          BrokerDescription.newBuilder().setId(1).setHost(FIRST.host()).setPort(FIRST.port()).build(),
          BrokerDescription.newBuilder().setId(2).setHost(SECOND.host()).setPort(SECOND.port()).build());
      first.clusterBrokers = cluster;
      second.clusterBrokers = cluster;
      first.createTopic("only-on-first", 1);
      second.createTopic("only-on-second", 1);
      try (ClusterMetadata metadata = new ClusterMetadata(List.of(FIRST),
          FakeBroker.clusterChannelFactory(Map.of(FIRST, first, SECOND, second)), 300_000, 5_000, 10)) {
        metadata.fetch(List.of());

        ManagedChannel used = metadata.anyChannel();
        assertEquals(List.of("only-on-first"), topicsVia(used));
        assertSame(used, metadata.anyChannel(), "a working broker keeps serving");

        // The broker dies, and the metadata still lists it (the next refresh may be minutes away).
        first.close();
        StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> topicsVia(used));
        assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());

        ManagedChannel next = metadata.anyChannel();
        assertNotSame(used, next);
        assertEquals(List.of("only-on-second"), topicsVia(next));
        assertSame(next, metadata.anyChannel());
      }
    }
  }

  private static List<String> topicsVia(ManagedChannel channel) {
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList();
  }
}
