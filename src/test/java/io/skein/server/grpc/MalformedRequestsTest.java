package io.skein.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.server.Batches;
import io.skein.server.TestBroker;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Request messages that are not protobuf, and too large ones, on every RPC of every service. */
class MalformedRequestsTest {

  /** A varint that never ends, then a field: no protobuf parser accepts it. */
  static final byte[] GARBAGE = HexFormat.of().parseHex("ffffffffffffffffff0a0b");

  static TestBroker broker;
  static ListAppender<ILoggingEvent> malformedLog = new ListAppender<>();
  static List<LogRecord> grpcStackTraces = new CopyOnWriteArrayList<>();
  static Handler grpcLog = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getThrown() != null) {
        grpcStackTraces.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void start() throws Exception {
    malformedLog.start();
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(MalformedRequests.class)).addAppender(malformedLog);
    java.util.logging.Logger.getLogger("io.grpc").addHandler(grpcLog);
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
    java.util.logging.Logger.getLogger("io.grpc").removeHandler(grpcLog);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(MalformedRequests.class)).detachAppender(malformedLog);
  }

  /** Sends {@code messages} as the raw request messages of {@code method} and returns how the call ended. */
  static StatusRuntimeException call(MethodDescriptor<?, ?> method, byte[]... messages) throws Exception {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(method.getType()).setFullMethodName(method.getFullMethodName())
        .setRequestMarshaller(StartupGate.BYTES).setResponseMarshaller(StartupGate.BYTES).build();
    ClientCall<byte[], byte[]> call = broker.channel().newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<StatusRuntimeException> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status.asRuntimeException(trailers));
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    for (byte[] message : messages) {
      call.sendMessage(message);
    }
    call.halfClose();
    return closed.get(15, TimeUnit.SECONDS);
  }

  static List<MethodDescriptor<?, ?>> everyMethod() {
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    for (ServiceDescriptor service : List.of(AdminServiceGrpc.getServiceDescriptor(),
        ProducerServiceGrpc.getServiceDescriptor(), ConsumerServiceGrpc.getServiceDescriptor(),
        GroupServiceGrpc.getServiceDescriptor())) {
      methods.addAll(service.getMethods());
    }
    return methods;
  }

  static void assertInvalidRequest(StatusRuntimeException answer, String method) {
    assertEquals(Status.Code.INVALID_ARGUMENT, answer.getStatus().getCode(), method + ": " + answer);
    ErrorInfo info = ApiErrors.errorInfo(answer).orElseThrow(() -> new AssertionError(method + ": no ErrorInfo"));
    assertEquals("INVALID_REQUEST", info.getReason(), method);
    assertEquals(ApiErrors.DOMAIN, info.getDomain(), method);
  }

  @Test
  void everyMethodAnswersInvalidRequestToBytesThatAreNotProtobufAndKeepsServing() throws Exception {
    grpcStackTraces.clear();
    malformedLog.list.clear();
    for (MethodDescriptor<?, ?> method : everyMethod()) {
      assertInvalidRequest(call(method, GARBAGE), method.getFullMethodName());
    }
    // A stream that carried good requests first is ended the same way.
    byte[] good = ProduceRequest.newBuilder().setTopic("malformed-stream").setAcks(1)
        .setRecords(Batches.of("fine")).build().toByteArray();
    assertInvalidRequest(call(ProducerServiceGrpc.getProduceStreamMethod(), good, good, GARBAGE), "ProduceStream");

    var admin = AdminServiceGrpc.newBlockingStub(broker.channel());
    admin.createTopic(CreateTopicRequest.newBuilder().setName("after-malformed").setPartitions(1).setReplicationFactor(1)
        .build());
    assertTrue(admin.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("after-malformed"));
    assertEquals(0, ProducerServiceGrpc.newBlockingStub(broker.channel()).produce(ProduceRequest.newBuilder()
        .setTopic("after-malformed").setAcks(1).setRecords(Batches.of("still serving")).build()).getBaseOffset());

    assertEquals(1, malformedLog.list.size(), "one line for this client, whatever it sent: " + malformedLog.list);
    assertTrue(malformedLog.list.get(0).getFormattedMessage().contains("127.0.0.1"));
    assertTrue(malformedLog.list.stream().allMatch(event -> event.getThrowableProxy() == null));
    assertTrue(grpcStackTraces.isEmpty(), () -> "gRPC logged " + grpcStackTraces.get(0).getThrown());
  }

  @Test
  void aRequestOverTheInboundLimitIsResourceExhaustedAndLoggedInOneLine() throws Exception {
    grpcStackTraces.clear();
    malformedLog.list.clear();
    int limit = broker.node().config().maxInboundMessageBytes();
    byte[] oversized = ProduceRequest.newBuilder().setTopic("t")
        .setRecords(ByteString.copyFrom(new byte[limit + 1])).build().toByteArray();
    StatusRuntimeException answer = call(ProducerServiceGrpc.getProduceMethod(), oversized);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, answer.getStatus().getCode(), answer.toString());
    assertTrue(answer.getStatus().getDescription().contains(String.valueOf(limit)), answer.toString());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, call(ProducerServiceGrpc.getProduceMethod(), oversized)
        .getStatus().getCode());
    assertFalse(AdminServiceGrpc.newBlockingStub(broker.channel()).listTopics(ListTopicsRequest.getDefaultInstance())
        .getNamesList().contains("t"));

    assertTrue(grpcStackTraces.isEmpty(), () -> "gRPC logged " + grpcStackTraces.get(0).getThrown());
    assertEquals(1, malformedLog.list.size(), "one line a minute: " + malformedLog.list);
    assertTrue(malformedLog.list.get(0).getFormattedMessage().contains(String.valueOf(limit)));
    assertTrue(malformedLog.list.get(0).getThrowableProxy() == null);
  }
}
