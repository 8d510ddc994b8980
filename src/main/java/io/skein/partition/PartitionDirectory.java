package io.skein.partition;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Ties a partition's data directory to one incarnation of its topic. A topic deleted and
 * re-created under the same name gets a new topic id, so data left behind by the old one
 * (for example after a crash in the middle of a deletion) is recognised and removed
 * instead of being served as the new topic's.
 */
final class PartitionDirectory {

  static final String ANY_TOPIC_ID = "*";
  private static final String METADATA_FILE = "partition.metadata";
  private static final String TOPIC_ID_KEY = "topic_id=";

  private PartitionDirectory() {}

  /** Makes {@code dir} belong to {@code topicId}, removing another incarnation's data. */
  static void claim(Path dir, String topicId) throws IOException {
    Optional<String> owner = owner(dir);
    if (owner.isPresent() && owner.get().equals(topicId)) {
      return;
    }
    if (owner.isPresent()) {
      deleteRecursively(dir);
    }
    Files.createDirectories(dir);
    Path tmp = dir.resolve(METADATA_FILE + ".tmp");
    Files.writeString(tmp, "version=1\n" + TOPIC_ID_KEY + topicId + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
        StandardOpenOption.SYNC);
    Files.move(tmp, dir.resolve(METADATA_FILE), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Deletes {@code dir} if it belongs to {@code topicId} (or to any, with ANY_TOPIC_ID). */
  static void removeIfOwnedBy(Path dir, String topicId) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Optional<String> owner = owner(dir);
    if (topicId.equals(ANY_TOPIC_ID) || owner.isEmpty() || owner.get().equals(topicId)) {
      deleteRecursively(dir);
    }
  }

  private static Optional<String> owner(Path dir) throws IOException {
    Path file = dir.resolve(METADATA_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith(TOPIC_ID_KEY)) {
        return Optional.of(line.substring(TOPIC_ID_KEY.length()).trim());
      }
    }
    return Optional.empty();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
