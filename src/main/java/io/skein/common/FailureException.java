package io.skein.common;


/**
 * A request that cannot be served, as an exception: for failing a request before it reaches
 * an actor, or a CompletionStage built from several asks. The gRPC layer turns its
 * {@link Failure} into a status.
 */
public final class FailureException extends RuntimeException {

  private final Failure failure;

  public FailureException(Failure failure) {
    super(failure.message(), null, false, false);
    this.failure = failure;
  }

  public FailureException(ErrorCode code, String message) {
    this(Failure.of(code, message));
  }

  public Failure failure() {
    return failure;
  }
}
