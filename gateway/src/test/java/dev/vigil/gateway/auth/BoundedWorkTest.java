package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BoundedWorkTest {

  @Test
  void full_refusedAtOnce_withoutRunningTheTask() throws Exception {
    try (BoundedWork work = new BoundedWork("t", "tasks", new BoundedWork.Limits(1, 1, SECOND))) {
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Integer> running = work.submit(() -> await(release, 1));
      CompletableFuture<Integer> waiting = work.submit(() -> 2);
      boolean[] ran = {false};
      assertThatThrownBy(() -> work.submit(() -> ran[0] = true))
          .isInstanceOf(BoundedWork.Busy.class)
          .hasMessageContaining("1 at once, 1 waiting");
      release.countDown();
      assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(ran[0]).isFalse();
    }
  }

  /**
   * Regression: with no place to wait, a task asked for right after the one running had ended was
   * refused as busy until the pool's thread had come back for more (a test doing just that failed
   * under load).
   */
  @Test
  void taskEnded_nextOneTakenAtOnce_evenWithNoPlaceToWait() throws Exception {
    try (BoundedWork work = new BoundedWork("t", "tasks", new BoundedWork.Limits(1, 0, SECOND))) {
      for (int i = 0; i < 2_000; i++) {
        int n = i;
        assertThat(work.submit(() -> n).get(10, TimeUnit.SECONDS)).isEqualTo(n);
      }
    }
  }

  @Test
  void closed_refusesNewTasks() {
    BoundedWork work = new BoundedWork("t", "tasks", new BoundedWork.Limits(1, 1, SECOND));
    work.close();
    assertThatThrownBy(() -> work.submit(() -> 1)).isInstanceOf(BoundedWork.Busy.class);
  }

  private static final Duration SECOND = Duration.ofSeconds(1);

  private static int await(CountDownLatch latch, int value) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return value;
  }
}
