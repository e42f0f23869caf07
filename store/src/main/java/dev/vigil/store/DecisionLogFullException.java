package dev.vigil.store;

/** The decision log's queue is full and its policy is to fail closed. */
public final class DecisionLogFullException extends RuntimeException {

  public DecisionLogFullException(int capacity) {
    super(
        "decision log queue is full ("
            + capacity
            + " events not yet durable); failing closed as configured",
        null,
        false,
        false);
  }
}
