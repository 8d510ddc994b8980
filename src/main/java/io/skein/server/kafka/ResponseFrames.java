package io.skein.server.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;

/** Writes a response as Kafka frames it: size, response header, body. */
final class ResponseFrames {

  private static final int SIZE_PREFIX_BYTES = 4;

  private ResponseFrames() {}

  /** One buffer holding the whole frame; the caller owns it. */
  static ByteBuf encode(ByteBufAllocator alloc, int correlationId, short headerVersion, ApiMessage body,
      short apiVersion) {
    // Sizing fills the cache that writing then reads, so strings are encoded to UTF-8 once.
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    int size = header.size(cache, headerVersion) + body.size(cache, apiVersion);
    ByteBuf frame = alloc.ioBuffer(SIZE_PREFIX_BYTES + size);
    try {
      frame.writeInt(size);
      Writable out = new ByteBufWritable(frame);
      header.write(out, cache, headerVersion);
      body.write(out, cache, apiVersion);
      return frame;
    } catch (RuntimeException e) {
      frame.release();
      throw e;
    }
  }
}
