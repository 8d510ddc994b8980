package io.skein.server.kafka;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Writable;

/** Lets kafka-clients' message classes write straight into a Netty buffer. */
class ByteBufWritable implements Writable {

  protected final ByteBuf out;

  ByteBufWritable(ByteBuf out) {
    this.out = out;
  }

  @Override
  public void writeByte(byte value) {
    out.writeByte(value);
  }

  @Override
  public void writeShort(short value) {
    out.writeShort(value);
  }

  @Override
  public void writeInt(int value) {
    out.writeInt(value);
  }

  @Override
  public void writeLong(long value) {
    out.writeLong(value);
  }

  @Override
  public void writeDouble(double value) {
    out.writeDouble(value);
  }

  @Override
  public void writeByteArray(byte[] bytes) {
    out.writeBytes(bytes);
  }

  /** Leaves {@code source}'s position alone: messages may be written more than once. */
  @Override
  public void writeByteBuffer(ByteBuffer source) {
    out.writeBytes(source.duplicate());
  }

  @Override
  public void writeUnsignedVarint(int value) {
    int rest = value;
    while ((rest & 0xffffff80) != 0) {
      out.writeByte((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    out.writeByte(rest);
  }

  /** Zig-zag encoded, as Kafka's varints. */
  @Override
  public void writeVarint(int value) {
    writeUnsignedVarint((value << 1) ^ (value >> 31));
  }

  @Override
  public void writeVarlong(long value) {
    long rest = (value << 1) ^ (value >> 63);
    while ((rest & 0xffffffffffffff80L) != 0) {
      out.writeByte((int) ((rest & 0x7f) | 0x80));
      rest >>>= 7;
    }
    out.writeByte((int) rest);
  }
}
