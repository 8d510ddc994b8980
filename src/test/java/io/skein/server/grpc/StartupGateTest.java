package io.skein.server.grpc;

import io.skein.metrics.NodeMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.ListTopicsRequest;
import org.junit.jupiter.api.Test;

/** A broker that has bound its port but is still starting answers with a retriable error. */
class StartupGateTest {

  @Test
  void callsBeforeTheBrokerServesAreRefusedRetriably() throws Exception {
    try (GrpcServer server = GrpcServer.bind("127.0.0.1", 0, 1 << 20, GrpcSecurity.PLAINTEXT, NodeMetrics.disabled().grpc())) {
      assertTrue(server.port() > 0);
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> AdminServiceGrpc.newBlockingStub(channel).listTopics(ListTopicsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE, ApiErrors.errorCode(e));
        assertTrue(ApiErrors.isRetriable(ApiErrors.errorCode(e)));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
