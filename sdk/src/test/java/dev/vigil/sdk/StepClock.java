package dev.vigil.sdk;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A clock the test moves by hand. */
final class StepClock implements InstantSource {

  private volatile Instant now;

  StepClock(Instant start) {
    this.now = start;
  }

  void step(Duration d) {
    now = now.plus(d);
  }

  @Override
  public Instant instant() {
    return now;
  }
}
