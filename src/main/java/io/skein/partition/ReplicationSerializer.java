package io.skein.partition;

import akka.serialization.SerializerWithStringManifest;
import io.skein.common.ErrorCode;
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
  private static final String FETCH_REPLY_MANIFEST = "F";

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
    ByteBuffer out = ByteBuffer.allocate(8 * 3 + 4 + 4 + message.length + 4 + records.remaining());
    out.putLong(reply.highWatermark()).putLong(reply.logStartOffset()).putLong(reply.logEndOffset());
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
    ErrorCode error = ErrorCode.forCode(in.getInt());
    byte[] message = new byte[in.getInt()];
    in.get(message);
    int length = in.getInt();
    // The batches stay in the received array: no copy.
    ByteBuffer records = in.slice();
    records.limit(length);
    return new PartitionLeader.ReplicaFetchReply(records, highWatermark, logStartOffset, logEndOffset,
        error, new String(message, StandardCharsets.UTF_8));
  }
}
