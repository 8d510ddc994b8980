package io.skein.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reactive streams of records. Akka Streams users wrap a publisher with
 * {@code JavaFlowSupport.Source.fromPublisher(publisher)}.
 */
public final class SkeinStreams {

  private SkeinStreams() {}

  /**
   * A publisher of the records of these topics, read as a member of the consumer group
   * {@code group.id}. Each subscriber gets its own {@link Consumer}, polled on its own thread
   * only while the subscriber has demand: it receives at most what it requested, and at most
   * one poll's records ({@code max.poll.records}) wait in between. With auto-commit, a record
   * counts as processed once {@code onNext} returned for it. Cancelling closes the consumer
   * (committing and leaving the group). A subscriber that requests nothing for
   * {@code max.poll.interval.ms} is taken out of the group and rejoins on its next request.
   * The stream never completes; consumer failures end it with {@code onError}.
   */
  public static <K, V> Flow.Publisher<ConsumerRecord<K, V>> publisher(
      Map<String, ?> consumerConfig,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      Collection<String> topics) {
    Map<String, ?> config = Map.copyOf(consumerConfig);
    List<String> subscribed = List.copyOf(topics);
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber");
      RecordSubscription<K, V> subscription = new RecordSubscription<>(subscriber);
      Thread thread = new Thread(
          () -> subscription.run(() -> new Consumer<>(config, keyDeserializer, valueDeserializer), subscribed),
          "skein-publisher-" + config.get("group.id"));
      thread.setDaemon(true);
      subscription.thread = thread;
      thread.start();
    };
  }

  /** One subscriber's consumer and demand; every signal to the subscriber comes from its thread. */
  private static final class RecordSubscription<K, V> implements Flow.Subscription {
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private final Flow.Subscriber<? super ConsumerRecord<K, V>> subscriber;
    private final AtomicLong demand = new AtomicLong();
    private volatile boolean cancelled;
    private volatile IllegalArgumentException badRequest;
    private volatile Thread thread;

    RecordSubscription(Flow.Subscriber<? super ConsumerRecord<K, V>> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request must be positive (reactive streams rule 3.9), got " + n);
      } else {
        demand.getAndAccumulate(n, (current, more) -> current + more < 0 ? Long.MAX_VALUE : current + more);
      }
      LockSupport.unpark(thread);
    }

    @Override
    public void cancel() {
      cancelled = true;
      LockSupport.unpark(thread);
    }

    void run(Supplier<Consumer<K, V>> consumers, List<String> topics) {
      subscriber.onSubscribe(this);
      ArrayDeque<ConsumerRecord<K, V>> buffered = new ArrayDeque<>();
      try (Consumer<K, V> consumer = consumers.get()) {
        consumer.subscribe(topics);
        while (!cancelled) {
          if (badRequest != null) {
            subscriber.onError(badRequest);
            return;
          }
          if (demand.get() == 0) {
            LockSupport.park(this); // request() and cancel() unpark
            continue;
          }
          if (buffered.isEmpty()) {
            consumer.poll(POLL_TIMEOUT).forEach(buffered::add);
          }
          while (!buffered.isEmpty() && demand.get() > 0 && !cancelled) {
            if (demand.get() != Long.MAX_VALUE) {
              demand.decrementAndGet();
            }
            subscriber.onNext(buffered.poll());
          }
        }
      } catch (RuntimeException e) {
        if (!cancelled) {
          subscriber.onError(e);
        }
      }
    }
  }
}
