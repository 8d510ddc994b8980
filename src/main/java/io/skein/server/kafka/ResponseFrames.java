package io.skein.server.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.skein.log.LogSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.BaseRecords;

/**
 * Writes a response as Kafka frames it: size, response header, body. Batches that are spans of a
 * segment file ({@link SegmentRecords}) go out by sendfile on a connection that allows it (no
 * TLS), between buffers holding the rest of the frame; otherwise they are read straight into
 * the frame's buffer.
 */
final class ResponseFrames {

  private static final int SIZE_PREFIX_BYTES = 4;

  private ResponseFrames() {}

  /**
   * Writes the frame to {@code ctx} without flushing; returns its size. Every segment span in
   * {@code body} is let go of once sent, or at once if the frame cannot be written.
   */
  static int write(ChannelHandlerContext ctx, boolean zeroCopy, int correlationId, short headerVersion,
      ApiMessage body, short apiVersion) {
    List<Object> parts = new ArrayList<>(3);
    ByteBuf frame = null;
    int size;
    try {
      // Sizing fills the cache that writing then reads, so strings are encoded to UTF-8 once.
      ObjectSerializationCache cache = new ObjectSerializationCache();
      ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
      size = header.size(cache, headerVersion) + body.size(cache, apiVersion);
      int sentFromFiles = zeroCopy ? segmentBytes(body) : 0;
      frame = ctx.alloc().ioBuffer(SIZE_PREFIX_BYTES + size - sentFromFiles);
      frame.writeInt(size);
      FrameWriter out = new FrameWriter(frame, zeroCopy, parts);
      header.write(out, cache, headerVersion);
      body.write(out, cache, apiVersion);
      out.endPart();
    } catch (RuntimeException e) {
      parts.forEach(ReferenceCountUtil::release);
      SegmentRecords.releaseAll(body);
      throw e;
    } finally {
      if (frame != null) {
        frame.release();
      }
    }
    parts.forEach(part -> ctx.write(part, ctx.voidPromise()));
    return SIZE_PREFIX_BYTES + size;
  }

  /** The bytes of {@code body}'s segment spans. */
  private static int segmentBytes(ApiMessage body) {
    int bytes = 0;
    if (body instanceof FetchResponseData fetch) {
      for (FetchResponseData.FetchableTopicResponse topic : fetch.responses()) {
        for (FetchResponseData.PartitionData partition : topic.partitions()) {
          if (partition.records() instanceof SegmentRecords records) {
            bytes += records.sizeInBytes();
          }
        }
      }
    }
    return bytes;
  }

  /** The bytes of the record batches in a fetch answer, whatever holds them: what a consumer's quota counts. */
  static int recordBytes(FetchResponseData fetch) {
    int bytes = 0;
    for (FetchResponseData.FetchableTopicResponse topic : fetch.responses()) {
      for (FetchResponseData.PartitionData partition : topic.partitions()) {
        if (partition.records() != null) {
          bytes += partition.records().sizeInBytes();
        }
      }
    }
    return bytes;
  }

  /** Writes into the frame's buffer, cutting it into parts around each file region it sends. */
  private static final class FrameWriter extends ByteBufWritable {
    private final boolean zeroCopy;
    private final List<Object> parts;
    /** Where the buffer's bytes not yet in a part begin. */
    private int partStart;

    FrameWriter(ByteBuf frame, boolean zeroCopy, List<Object> parts) {
      super(frame);
      this.zeroCopy = zeroCopy;
      this.parts = parts;
    }

    @Override
    public void writeRecords(BaseRecords records) {
      if (!(records instanceof SegmentRecords segment)) {
        super.writeRecords(records);
        return;
      }
      LogSlice slice = segment.slice();
      if (zeroCopy) {
        endPart();
        parts.add(new SliceRegion(slice));
        return;
      }
      int bytes = slice.size();
      out.ensureWritable(bytes);
      try {
        slice.readInto(out.nioBuffer(out.writerIndex(), bytes), 0);
      } catch (IOException e) {
        throw new UncheckedIOException("could not read " + slice + " for a fetch answer", e);
      }
      out.writerIndex(out.writerIndex() + bytes);
      slice.release();
    }

    /** The buffer's bytes written since the last part, as a part of their own. */
    void endPart() {
      if (out.writerIndex() > partStart) {
        parts.add(out.retainedSlice(partStart, out.writerIndex() - partStart));
        partStart = out.writerIndex();
      }
    }
  }
}
