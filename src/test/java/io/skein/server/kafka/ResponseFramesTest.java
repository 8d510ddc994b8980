package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogSlice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetched batches go from the segment file to the socket as a file region, or are copied into the frame under TLS. */
class ResponseFramesTest {

  private static final short VERSION = ApiKeys.FETCH.latestVersion();
  private static final short HEADER_VERSION = ApiKeys.FETCH.responseHeaderVersion(VERSION);

  @TempDir Path dir;
  private Log log;
  private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());

  @BeforeEach
  void fillLog() throws IOException {
    log = Log.open(dir, LogConfig.defaults(), Clock.systemUTC());
    for (int batch = 0; batch < 3; batch++) {
      log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE,
          new SimpleRecord(("k" + batch).getBytes(StandardCharsets.UTF_8), ("v" + batch).getBytes(StandardCharsets.UTF_8)),
          new SimpleRecord(null, "second".getBytes(StandardCharsets.UTF_8))), 0);
    }
  }

  @AfterEach
  void close() throws IOException {
    channel.finishAndReleaseAll();
    log.close();
  }

  @Test
  void onAPlaintextConnectionTheBatchesAreAFileRegionBetweenTheFramesBuffers() throws IOException {
    LogSlice slice = log.slice(1, 1 << 20, log.logEndOffset());
    int written = ResponseFrames.write(context(), true, 42, HEADER_VERSION, answer(slice), VERSION);
    channel.flush();

    List<Object> parts = outbound();
    assertEquals(3, parts.size(), "header and fields, the region, the fields after it: " + parts);
    assertInstanceOf(ByteBuf.class, parts.get(0));
    FileRegion region = assertInstanceOf(FileRegion.class, parts.get(1));
    assertEquals(slice.size(), region.count());
    assertInstanceOf(ByteBuf.class, parts.get(2));
    byte[] frame = concatenate(parts);
    assertEquals(written, frame.length);
    assertAnswersWithTheLogsBatches(frame, slice);

    log.close();
    assertTrue(slice.channel().isOpen(), "the region still holds the segment's file");
    region.release();
    assertFalse(slice.channel().isOpen(), "sent: the region let go of the file");
  }

  @Test
  void underTlsTheBatchesAreCopiedIntoTheFrameAndTheSliceLetGo() throws IOException {
    LogSlice slice = log.slice(0, 1 << 20, log.logEndOffset());
    LogSlice same = log.slice(0, 1 << 20, log.logEndOffset());
    ResponseFrames.write(context(), true, 42, HEADER_VERSION, answer(same), VERSION);
    channel.flush();
    List<Object> zeroCopyParts = outbound();
    byte[] zeroCopied = concatenate(zeroCopyParts);
    zeroCopyParts.stream().filter(FileRegion.class::isInstance).forEach(region -> ((FileRegion) region).release());

    int written = ResponseFrames.write(context(), false, 42, HEADER_VERSION, answer(slice), VERSION);
    channel.flush();
    List<Object> parts = outbound();
    assertEquals(1, parts.size());
    byte[] frame = concatenate(parts);
    assertEquals(written, frame.length);
    assertArrayEquals(zeroCopied, frame, "the same bytes either way");
    assertAnswersWithTheLogsBatches(frame, slice);

    log.close();
    assertFalse(slice.channel().isOpen(), "copied: the slice let go of the file at once");
  }

  private ChannelHandlerContext context() {
    return channel.pipeline().firstContext();
  }

  /** An answer with the slice between two partitions of plain records. */
  private static FetchResponseData answer(LogSlice slice) {
    FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse().setTopic("t");
    topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(0).setRecords(MemoryRecords.EMPTY));
    topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(1).setHighWatermark(6)
        .setRecords(new SegmentRecords(slice)));
    topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(2).setRecords(MemoryRecords.EMPTY));
    FetchResponseData answer = new FetchResponseData();
    answer.responses().add(topic);
    return answer;
  }

  private void assertAnswersWithTheLogsBatches(byte[] frame, LogSlice slice) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    assertEquals(frame.length - 4, buffer.getInt());
    ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
    assertEquals(42, new ResponseHeaderData(accessor, HEADER_VERSION).correlationId());
    FetchResponseData parsed = new FetchResponseData(accessor, VERSION);
    assertFalse(buffer.hasRemaining());
    List<FetchResponseData.PartitionData> partitions = parsed.responses().get(0).partitions();
    assertEquals(3, partitions.size());
    assertEquals(2, partitions.get(2).partitionIndex());
    MemoryRecords records = (MemoryRecords) partitions.get(1).records();
    ByteBuffer expected = log.read(slice.firstBatchBaseOffset(), 1 << 20, log.logEndOffset()).records();
    assertEquals(expected, records.buffer());
    assertEquals(6, partitions.get(1).highWatermark());
  }

  private List<Object> outbound() {
    List<Object> parts = new ArrayList<>();
    for (Object part = channel.readOutbound(); part != null; part = channel.readOutbound()) {
      parts.add(part);
    }
    assertNull(channel.readOutbound());
    return parts;
  }

  /** The bytes a socket would get; releases the buffers (regions are released by the tests). */
  private static byte[] concatenate(List<Object> parts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    WritableByteChannel sink = Channels.newChannel(bytes);
    for (Object part : parts) {
      if (part instanceof ByteBuf buffer) {
        buffer.readBytes(bytes, buffer.readableBytes());
        buffer.release();
      } else {
        FileRegion region = (FileRegion) part;
        while (region.transferred() < region.count()) {
          region.transferTo(sink, region.transferred());
        }
      }
    }
    return bytes.toByteArray();
  }
}
