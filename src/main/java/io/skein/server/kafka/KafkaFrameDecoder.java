package io.skein.server.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's framing: each request is a 4-byte big-endian size and that many bytes. A negative size
 * or one over {@code socket.request.max.bytes} cannot be skipped safely, so it closes the
 * connection.
 *
 * <p>Each frame is copied into a heap buffer of its own: parsed requests keep views of their
 * bytes (Produce's records) for as long as the broker works on them, longer than Netty keeps its
 * pooled read buffers.
 */
final class KafkaFrameDecoder extends ByteToMessageDecoder {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaFrameDecoder.class);
  private static final int SIZE_PREFIX_BYTES = 4;

  private final int maxRequestBytes;
  /** Until a SASL client authenticates, a smaller limit: unauthenticated clients cannot make the broker buffer much. */
  private int limit;
  private boolean rejected;

  KafkaFrameDecoder(int maxRequestBytes) {
    this(maxRequestBytes, maxRequestBytes);
  }

  /** {@code unauthenticatedLimit} until {@link #authenticated()}. */
  KafkaFrameDecoder(int maxRequestBytes, int unauthenticatedLimit) {
    this.maxRequestBytes = maxRequestBytes;
    this.limit = Math.min(maxRequestBytes, unauthenticatedLimit);
  }

  /** The client authenticated: requests up to {@code socket.request.max.bytes} from now on. */
  void authenticated() {
    limit = maxRequestBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (rejected) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < SIZE_PREFIX_BYTES) {
      return;
    }
    int size = in.getInt(in.readerIndex());
    if (size < 0 || size > limit) {
      rejected = true;
      in.skipBytes(in.readableBytes());
      LOG.warn("Closing Kafka connection from {}: request size {} is {}", ctx.channel().remoteAddress(), size,
          size < 0 ? "negative" : limit < maxRequestBytes
              ? "over " + limit + " bytes, the limit before SASL authentication"
              : "over socket.request.max.bytes (" + maxRequestBytes + ")");
      ctx.close();
      return;
    }
    if (in.readableBytes() < SIZE_PREFIX_BYTES + size) {
      return;
    }
    in.skipBytes(SIZE_PREFIX_BYTES);
    ByteBuffer frame = ByteBuffer.allocate(size);
    in.readBytes(frame);
    out.add(frame.flip());
  }
}
