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
  /** Field 1, five bytes long, cut after two: a request truncated in transit. */
  static final byte[] TRUNCATED = HexFormat.of().parseHex("0a056162");
  /** The request limit the broker is started with (smaller than the default, to keep the test light). */
  static final int LIMIT = 2 * 1024 * 1024;

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
    broker = TestBroker.start(Map.of("skein.grpc.max-inbound-message-bytes", LIMIT));
  }

  @AfterAll
  static void stop() {
    broker.close();
    java.util.logging.Logger.getLogger("io.grpc").removeHandler(grpcLog);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(MalformedRequests.class)).detachAppender(malformedLog);
  }

  /** Sends {@code messages} as the raw request messages of {@code method} and returns how the call ended. */
  static StatusRuntimeException call(MethodDescriptor<?, ?> method, byte[]... messages) throws Exception {
    return call(method.getType(), method.getFullMethodName(), CallOptions.DEFAULT, messages);
  }

  static StatusRuntimeException call(MethodDescriptor.MethodType type, String fullMethodName, CallOptions options,
      byte[]... messages) throws Exception {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type).setFullMethodName(fullMethodName)
        .setRequestMarshaller(StartupGate.BYTES).setResponseMarshaller(StartupGate.BYTES).build();
    ClientCall<byte[], byte[]> call = broker.channel().newCall(raw, options.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<StatusRuntimeException> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status.asRuntimeException(trailers));
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.setMessageCompression(options.getCompressor() != null);
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
      assertInvalidRequest(call(method, TRUNCATED), method.getFullMethodName() + " (truncated)");
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

  static void assertTooLarge(StatusRuntimeException answer, String method) {
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, answer.getStatus().getCode(), method + ": " + answer);
    ErrorInfo info = ApiErrors.errorInfo(answer).orElseThrow(() -> new AssertionError(method + ": no ErrorInfo"));
    assertEquals("REQUEST_TOO_LARGE", info.getReason(), method);
    assertEquals(Map.of("max_request_bytes", Integer.toString(LIMIT)), info.getMetadataMap(), method);
  }

  @Test
  void everyMethodAnswersARequestOverTheLimitWithTheLimitAndKeepsServing() throws Exception {
    grpcStackTraces.clear();
    malformedLog.list.clear();
    byte[] oversized = ProduceRequest.newBuilder().setTopic("t")
        .setRecords(ByteString.copyFrom(new byte[LIMIT + 1])).build().toByteArray();
    for (MethodDescriptor<?, ?> method : everyMethod()) {
      assertTooLarge(call(method, oversized), method.getFullMethodName());
    }
    // Compressed, its size shows only as it is inflated.
    assertTooLarge(call(MethodDescriptor.MethodType.UNARY, ProducerServiceGrpc.getProduceMethod().getFullMethodName(),
        CallOptions.DEFAULT.withCompression("gzip"), oversized), "Produce (gzip)");
    // Past twice the limit gRPC refuses the message itself, before Skein reads it.
    byte[] farTooLarge = new byte[2 * LIMIT + 1];
    StatusRuntimeException refused = call(ProducerServiceGrpc.getProduceMethod(), farTooLarge);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.toString());
    assertTrue(refused.getStatus().getDescription().contains(String.valueOf(2 * LIMIT)), refused.toString());

    var admin = AdminServiceGrpc.newBlockingStub(broker.channel());
    assertFalse(admin.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("t"));
    admin.createTopic(CreateTopicRequest.newBuilder().setName("after-oversized").setPartitions(1).setReplicationFactor(1)
        .build());
    assertEquals(0, ProducerServiceGrpc.newBlockingStub(broker.channel()).produce(ProduceRequest.newBuilder()
        .setTopic("after-oversized").setAcks(1).setRecords(Batches.of("still serving")).build()).getBaseOffset());

    assertTrue(grpcStackTraces.isEmpty(), () -> "gRPC logged " + grpcStackTraces.get(0).getThrown());
    assertEquals(1, malformedLog.list.size(), "one line a minute: " + malformedLog.list);
    assertTrue(malformedLog.list.get(0).getFormattedMessage().contains(String.valueOf(LIMIT)));
    assertTrue(malformedLog.list.get(0).getThrowableProxy() == null);
  }

  @Test
  void aMethodTheBrokerDoesNotHaveIsUnimplementedWithUnsupportedVersion() throws Exception {
    String unknown = AdminServiceGrpc.SERVICE_NAME + "/DescribeTheFuture";
    StatusRuntimeException answer = call(MethodDescriptor.MethodType.UNARY, unknown, CallOptions.DEFAULT, new byte[0]);
    assertEquals(Status.Code.UNIMPLEMENTED, answer.getStatus().getCode(), answer.toString());
    ErrorInfo info = ApiErrors.errorInfo(answer).orElseThrow(() -> new AssertionError("no ErrorInfo: " + answer));
    assertEquals("UNSUPPORTED_VERSION", info.getReason());
    assertEquals(Map.of("method", unknown), info.getMetadataMap());
  }
}
