package dev.vigil.testkit;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that runs an action once, the next time it is read, on the reader's thread, and otherwise
 * tells the system's time: for tests that must change something (reload a configuration) at the
 * exact point where the code under test reads the time.
 */
public final class SteppingClock implements InstantSource {
  private final AtomicReference<Runnable> next = new AtomicReference<>();
  private volatile boolean ran;

  /** Runs {@code action} at the next read of the clock. */
  public void runOnce(Runnable action) {
    ran = false;
    next.set(action);
  }

  /** Whether the action given last has run. */
  public boolean ran() {
    return ran;
  }

  @Override
  public Instant instant() {
    Runnable action = next.getAndSet(null);
    if (action != null) {
      action.run();
      ran = true;
    }
    return Instant.now();
  }
}
