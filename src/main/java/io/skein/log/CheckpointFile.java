package io.skein.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A small text file replaced atomically: written to a temp file, fsynced, renamed over the old one,
 * and the directory fsynced, so a crash leaves either the old or the new content, never a mix.
 */
final class CheckpointFile {
  static final String TEMP_SUFFIX = ".tmp";

  private final Path file;

  CheckpointFile(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  boolean exists() {
    return Files.exists(file);
  }

  List<String> readLines() throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  void write(String content) throws IOException {
    write(content.getBytes(StandardCharsets.UTF_8));
  }

  void write(byte[] content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(content);
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    fsyncDirectory(file.getParent());
  }

  /**
   * Makes renames and creations in {@code dir} durable; a no-op where directories cannot be opened
   * (Windows).
   */
  static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Not supported on this platform; the rename is still atomic, only its durability is up to
      // the OS.
    }
  }
}
