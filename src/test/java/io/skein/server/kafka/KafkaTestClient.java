package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A Kafka connection over a plain socket: requests are serialized and responses parsed with
 * kafka-clients' own classes, so the bytes on the wire are those of a real client. Reads time
 * out, so a listener that never answers fails the test instead of hanging it.
 */
final class KafkaTestClient implements AutoCloseable {

  static final String CLIENT_ID = "skein-kafka-test";

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private int correlation;

  KafkaTestClient(InetSocketAddress address) throws IOException {
    this(new Socket(address.getAddress(), address.getPort()));
  }

  /** Over a connected socket, e.g. a TLS one. */
  KafkaTestClient(Socket connected) throws IOException {
    socket = connected;
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  static RequestHeader header(ApiKeys key, short version, int correlationId) {
    return new RequestHeader(key, version, CLIENT_ID, correlationId);
  }

  /** The frame a kafka-clients client sends: size, header, body. */
  static byte[] frame(AbstractRequest request, RequestHeader header) {
    ByteBuffer body = request.serializeWithHeader(header);
    return sized(body);
  }

  /** As above, for a request message without its kafka-clients request wrapper. */
  static byte[] frame(ApiMessage request, RequestHeader header) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    short headerVersion = header.headerVersion();
    int size = header.data().size(cache, headerVersion) + request.size(cache, header.apiVersion());
    ByteBuffer buffer = ByteBuffer.allocate(size);
    ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
    header.data().write(accessor, cache, headerVersion);
    request.write(accessor, cache, header.apiVersion());
    return sized(buffer.flip());
  }

  /** {@code content} behind its 4-byte size. */
  static byte[] sized(ByteBuffer content) {
    ByteBuffer framed = ByteBuffer.allocate(4 + content.remaining());
    framed.putInt(content.remaining()).put(content);
    return framed.array();
  }

  /** Sends {@code request} at {@code version} with the next correlation id and reads its response. */
  @SuppressWarnings("unchecked")
  <R extends ApiMessage> R call(short version, ApiMessage request) throws IOException {
    RequestHeader header = header(ApiKeys.forId(request.apiKey()), version, ++correlation);
    write(frame(request, header));
    return (R) receive(header).data();
  }

  void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void send(AbstractRequest request, RequestHeader header) throws IOException {
    write(frame(request, header));
  }

  /** The next response frame, without its size. */
  ByteBuffer receiveFrame() throws IOException {
    int size = in.readInt();
    byte[] bytes = new byte[size];
    in.readFully(bytes);
    return ByteBuffer.wrap(bytes);
  }

  /** The next response, parsed as kafka-clients parses the answer to {@code header}. */
  AbstractResponse receive(RequestHeader header) throws IOException {
    return AbstractResponse.parseResponse(receiveFrame(), header);
  }

  @SuppressWarnings("unchecked")
  <R extends AbstractResponse> R roundTrip(AbstractRequest request, RequestHeader header) throws IOException {
    send(request, header);
    return (R) receive(header);
  }

  /** Fails unless the listener closes this connection without sending anything more. */
  void assertClosedByListener() throws IOException {
    try {
      assertEquals(-1, in.read(), "the listener sent more bytes instead of closing");
    } catch (SocketException reset) {
      // A reset is a close too: the listener closed while our bytes were still unread.
    }
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
