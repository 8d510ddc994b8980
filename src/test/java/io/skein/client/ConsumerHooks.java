package io.skein.client;

/** Reaches the consumer's package-private test hooks from end-to-end tests in other packages. */
public final class ConsumerHooks {

  private ConsumerHooks() {}

  /** The consumer goes silent without leaving its group, as a crashed process would; call from its polling thread. */
  public static void crash(Consumer<?, ?> consumer) {
    consumer.crash();
  }
}
