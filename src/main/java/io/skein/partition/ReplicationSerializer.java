package io.skein.partition;

import akka.serialization.SerializerWithStringManifest;
import io.skein.common.ErrorCode;
import io.skein.log.EpochEndOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes a {@link PartitionLeader.ReplicaFetchReply} with its record batches as they are
 * stored: a fixed header, the error message, then the bytes. Replication moves most of the
 * bytes between nodes, and Jackson would copy and wrap them for nothing.
 */
public final class ReplicationSerializer extends SerializerWithStringManifest {

  /** Unique among the serializers of the actor system; Akka keeps 0 to 40 for itself. */
  public static final int IDENTIFIER = 7_341;
  /** "F" was the format before the diverging epoch: a node of that version drops these instead of misreading them. */
  private static final String FETCH_REPLY_MANIFEST = "F2";

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof PartitionLeader.ReplicaFetchReply) {
      return FETCH_REPLY_MANIFEST;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass());
  }

  @Override
  public byte[] toBinary(Object o) {
    PartitionLeader.ReplicaFetchReply reply = (PartitionLeader.ReplicaFetchReply) o;
    ByteBuffer records = reply.records().duplicate();
    byte[] message = reply.message().getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(8 * 3 + 4 + 8 + 4 + 4 + message.length + 4 + records.remaining());
    out.putLong(reply.highWatermark()).putLong(reply.logStartOffset()).putLong(reply.logEndOffset());
    out.putInt(reply.divergingEpoch().epoch()).putLong(reply.divergingEpoch().endOffset());
    out.putInt(reply.error().code());
    out.putInt(message.length).put(message);
    out.putInt(records.remaining()).put(records);
    return out.array();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    if (!FETCH_REPLY_MANIFEST.equals(manifest)) {
      throw new IllegalArgumentException("unknown manifest " + manifest);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    long highWatermark = in.getLong();
    long logStartOffset = in.getLong();
    long logEndOffset = in.getLong();
    EpochEndOffset divergingEpoch = new EpochEndOffset(in.getInt(), in.getLong());
    ErrorCode error = ErrorCode.forCode(in.getInt());
    byte[] message = new byte[in.getInt()];
    in.get(message);
    int length = in.getInt();
    // The batches stay in the received array: no copy.
    ByteBuffer records = in.slice();
    records.limit(length);
    return new PartitionLeader.ReplicaFetchReply(records, highWatermark, logStartOffset, logEndOffset, divergingEpoch,
        error, new String(message, StandardCharsets.UTF_8));
  }
}
