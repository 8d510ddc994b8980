package io.skein.server.kafka;

import io.netty.channel.DefaultFileRegion;
import io.skein.log.LogSlice;

/** A log slice as Netty sends a file: sendfile from the segment, letting go of it once sent or failed. */
final class SliceRegion extends DefaultFileRegion {

  private final LogSlice slice;

  SliceRegion(LogSlice slice) {
    super(slice.channel(), slice.position(), slice.size());
    this.slice = slice;
  }

  /** The segment's file is the log's: released, never closed here. */
  @Override
  protected void deallocate() {
    slice.release();
  }
}
