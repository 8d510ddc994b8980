package io.skein.group;

import static io.skein.group.TestMember.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.DescribeGroupRequest;
import io.skein.proto.v1.FetchOffsetsRequest;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ListGroupsRequest;
import io.skein.proto.v1.PartitionOffset;
import io.skein.server.TestBroker;
import org.junit.jupiter.api.Test;

/** Committed offsets and generations survive a broker restart. */
class GroupRestartTest {

  @Test
  void committedOffsetsAndTheGenerationSurviveARestart() throws Exception {
    try (TestBroker broker = TestBroker.start(GroupGrpcTest.FAST_GROUPS)) {
      var admin = AdminServiceGrpc.newBlockingStub(broker.channel());
      GroupGrpcTest.createTopic(admin, "durable-offsets", 2);
      TestMember member = TestMember.join(broker.channel(), "durable", "durable-offsets", 1000, "");
      await(() -> member.owned().size() == 2, "assigned");
      var groups = GroupServiceGrpc.newBlockingStub(broker.channel());
      groups.commitOffsets(CommitOffsetsRequest.newBuilder().setGroupId("durable").setMemberId(member.memberId())
          .setGeneration(member.generation())
          .addOffsets(PartitionOffset.newBuilder().setTopic("durable-offsets").setPartition(0).setOffset(17))
          .addOffsets(PartitionOffset.newBuilder().setTopic("durable-offsets").setPartition(1).setOffset(3)
              .setMetadata("m")).build());
      int generation = member.generation();
      member.close();

      broker.restart();

      var after = GroupServiceGrpc.newBlockingStub(broker.channel());
      var offsets = after.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("durable").build());
      assertEquals(2, offsets.getOffsetsCount());
      assertEquals(17, offsets.getOffsets(0).getOffset());
      assertEquals(3, offsets.getOffsets(1).getOffset());
      assertEquals("m", offsets.getOffsets(1).getMetadata());
      assertTrue(after.describeGroup(DescribeGroupRequest.newBuilder().setGroupId("durable").build()).getGeneration()
          >= generation, "the generation never goes backwards");
      await(() -> after.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
          .anyMatch(g -> g.getGroupId().equals("durable")), "listed after restart");

      TestMember again = TestMember.join(broker.channel(), "durable", "durable-offsets", 1000, "");
      await(() -> again.owned().size() == 2, "assigned after restart");
      assertTrue(again.generation() > generation, "a new generation after the restart");
      again.close();
    }
  }
}
