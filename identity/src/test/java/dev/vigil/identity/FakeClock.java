package dev.vigil.identity;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A clock that tests step by hand. */
final class FakeClock implements InstantSource {

  private volatile Instant now;

  FakeClock(Instant start) {
    this.now = start;
  }

  FakeClock() {
    this(Instant.parse("2026-06-01T12:00:00Z"));
  }

  @Override
  public Instant instant() {
    return now;
  }

  void step(Duration d) {
    now = now.plus(d);
  }
}
