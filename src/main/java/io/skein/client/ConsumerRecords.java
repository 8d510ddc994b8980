package io.skein.client;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The records one poll returned, grouped by partition in fetch order. */
public final class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>> {

  private final Map<TopicPartition, List<ConsumerRecord<K, V>>> byPartition;
  private final int count;

  ConsumerRecords(Map<TopicPartition, List<ConsumerRecord<K, V>>> byPartition) {
    this.byPartition = Collections.unmodifiableMap(byPartition);
    this.count = byPartition.values().stream().mapToInt(List::size).sum();
  }

  public static <K, V> ConsumerRecords<K, V> empty() {
    return new ConsumerRecords<>(Map.of());
  }

  public int count() {
    return count;
  }

  public boolean isEmpty() {
    return count == 0;
  }

  public Set<TopicPartition> partitions() {
    return byPartition.keySet();
  }

  public List<ConsumerRecord<K, V>> records(TopicPartition partition) {
    return Collections.unmodifiableList(byPartition.getOrDefault(partition, List.of()));
  }

  @Override
  public Iterator<ConsumerRecord<K, V>> iterator() {
    return byPartition.values().stream().flatMap(List::stream).iterator();
  }
}
