package io.skein.log;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Key to latest offset over a log's dirty section, in a fixed byte array: open addressing with
 * linear probing over slots of (16-byte MD5 of the key, 8-byte offset). Keys themselves are not
 * kept, so millions fit a few tens of MiB; two keys with the same MD5 would count as one, a chance
 * of about 2^-128 per pair that Kafka's cleaner accepts too. No allocation per put or get.
 *
 * <p>Filled to at most {@link #LOAD_FACTOR} of its slots so probes stay short. One cleaner thread
 * owns a map and clears it for each clean.
 */
final class OffsetMap {
  static final int HASH_BYTES = 16;
  static final int ENTRY_BYTES = HASH_BYTES + Long.BYTES;
  static final double LOAD_FACTOR = 0.9;

  /** An offset field of all one bits, -1: the slot is free (offsets are never negative). */
  private static final long FREE = -1;

  private final byte[] slotBytes;
  private final ByteBuffer slotView;
  private final int slots;
  private final int capacity;
  private final MessageDigest md5;
  private final byte[] hash = new byte[HASH_BYTES];
  private final ByteBuffer hashView = ByteBuffer.wrap(hash);
  private long hashHigh;
  private long hashLow;
  private int size;

  /** A map in {@code bytes} of memory (at least one entry's worth). */
  OffsetMap(int bytes) {
    if (bytes < ENTRY_BYTES * 2) {
      throw new IllegalArgumentException(
          "an offset map needs at least " + ENTRY_BYTES * 2 + " bytes, got " + bytes);
    }
    slots = bytes / ENTRY_BYTES;
    capacity = Math.max(1, (int) (slots * LOAD_FACTOR));
    slotBytes = new byte[slots * ENTRY_BYTES];
    slotView = ByteBuffer.wrap(slotBytes);
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has MD5", e);
    }
    clear();
  }

  /** How many distinct keys fit. */
  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(slotBytes, (byte) -1);
    size = 0;
  }

  /**
   * Records {@code offset} as the latest of {@code key} (whose bytes are read from its position to
   * its limit and left in place); the caller puts offsets in increasing order.
   */
  void put(ByteBuffer key, long offset) {
    int slot = slotOf(key);
    int at = slot * ENTRY_BYTES;
    if (slotView.getLong(at + HASH_BYTES) == FREE) {
      if (size >= capacity) {
        throw new IllegalStateException("offset map is full (" + capacity + " keys)");
      }
      slotView.putLong(at, hashHigh);
      slotView.putLong(at + Long.BYTES, hashLow);
      size++;
    }
    slotView.putLong(at + HASH_BYTES, offset);
  }

  /** The latest offset put for {@code key}, or -1 if none. */
  long get(ByteBuffer key) {
    return slotView.getLong(slotOf(key) * ENTRY_BYTES + HASH_BYTES);
  }

  /** The slot holding {@code key}'s hash, or the free slot where it would go. */
  private int slotOf(ByteBuffer key) {
    int position = key.position();
    md5.update(key);
    key.position(position);
    try {
      md5.digest(hash, 0, HASH_BYTES);
    } catch (DigestException e) {
      throw new IllegalStateException("MD5 digests are 16 bytes", e);
    }
    hashHigh = hashView.getLong(0);
    hashLow = hashView.getLong(Long.BYTES);
    int slot = (int) ((hashHigh >>> 1) % slots);
    while (true) {
      int at = slot * ENTRY_BYTES;
      if (slotView.getLong(at + HASH_BYTES) == FREE
          || (slotView.getLong(at) == hashHigh && slotView.getLong(at + Long.BYTES) == hashLow)) {
        return slot;
      }
      slot = slot + 1 == slots ? 0 : slot + 1;
    }
  }
}
