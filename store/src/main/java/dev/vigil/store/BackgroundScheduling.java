package dev.vigil.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a background thread under Linux's {@code SCHED_BATCH} policy, so that its wake-ups do not
 * preempt the threads that serve requests.
 *
 * <p>Why: the decision-log writer wakes up about a hundred times a second with a batch to encode
 * and commit. Under the default policy the scheduler favours a thread that has slept, so each
 * wake-up takes a core from the event loop, whose requests then wait. A batch thread keeps its full
 * share of the processor and is never starved (unlike {@code SCHED_IDLE}, which held up the JVM's
 * safepoints behind it), but it waits for a running thread's turn to end instead of cutting it
 * short. Any process may move its own threads to this policy; no privilege is needed.
 *
 * <p>Java has no call for it, so the thread asks the util-linux {@code chrt} command about itself.
 * Where that is not possible (another system, no {@code chrt}) the thread keeps the default policy
 * and works as before; the reason is logged once at debug level.
 */
final class BackgroundScheduling {

  private static final Logger log = LoggerFactory.getLogger(BackgroundScheduling.class);

  /** How long {@code chrt} may take before the thread gives up and keeps its policy. */
  private static final long CHRT_SECONDS = 5;

  private BackgroundScheduling() {}

  /**
   * Moves the calling thread to {@code SCHED_BATCH}.
   *
   * @return true when it was moved, false when it keeps its policy
   */
  static boolean batchCurrentThread() {
    Path self = Path.of("/proc/thread-self");
    if (!Files.exists(self)) {
      log.debug("{} keeps its scheduling policy: no /proc/thread-self", threadName());
      return false;
    }
    try {
      // The link reads "PID/task/TID".
      String tid = Files.readSymbolicLink(self).getFileName().toString();
      Process chrt =
          new ProcessBuilder("chrt", "--batch", "--pid", "0", tid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!chrt.waitFor(CHRT_SECONDS, TimeUnit.SECONDS)) {
        chrt.destroyForcibly();
        log.debug("{} keeps its scheduling policy: chrt did not finish", threadName());
        return false;
      }
      if (chrt.exitValue() != 0) {
        log.debug(
            "{} keeps its scheduling policy: chrt exited with {}", threadName(), chrt.exitValue());
        return false;
      }
      return true;
    } catch (IOException e) {
      log.debug("{} keeps its scheduling policy: {}", threadName(), e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String threadName() {
    return Thread.currentThread().getName();
  }
}
