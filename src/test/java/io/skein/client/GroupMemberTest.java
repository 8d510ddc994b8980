package io.skein.client;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.GroupRequest;
import io.skein.proto.v1.GroupResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.JoinGroup;
import io.skein.proto.v1.Joined;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupMemberTest {

  /**
   * A group service whose first session swallows everything, as a broker does that forwarded
   * the join to a coordinator on a node that just died; later sessions answer joins.
   */
  static final class FirstSessionLost extends GroupServiceGrpc.GroupServiceImplBase {
    final AtomicInteger sessions = new AtomicInteger();
    final List<String> joinedAs = new CopyOnWriteArrayList<>();

    @Override
    public StreamObserver<GroupRequest> groupSession(StreamObserver<GroupResponse> responses) {
      boolean lost = sessions.incrementAndGet() == 1;
      return new StreamObserver<>() {
        @Override
        public void onNext(GroupRequest request) {
          if (!lost && request.hasJoin()) {
            joinedAs.add(request.getJoin().getMemberId());
            responses.onNext(GroupResponse.newBuilder().setCorrelationId(request.getCorrelationId())
                .setJoined(Joined.newBuilder().setMemberId("member-1").setGeneration(1)).build());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  @Test
  void aJoinNobodyAnswersIsSentAgainOnANewSession() throws Exception {
    String name = "group-member-" + UUID.randomUUID();
    FirstSessionLost service = new FirstSessionLost();
    Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    GroupMember member = new GroupMember(JoinGroup.newBuilder().setGroupId("billing").addTopics("orders").build(),
        () -> channel, () -> {}, 20, 60_000, 10, 200);
    try {
      assertEventually("the member joins on a second session", Duration.ofSeconds(10), member::isJoined);
      assertEquals(2, service.sessions.get());
      assertEquals(List.of(""), service.joinedAs);
      assertEquals("member-1", member.memberId());
    } finally {
      member.close();
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
