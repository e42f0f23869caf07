package dev.vigil.store;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process that the crash test kills: appends decisions in a steady stream from several threads
 * and prints {@code ack ID} for each one once the log says it is durable.
 *
 * <p>Arguments: {@code sqlite DIR} or {@code postgresql URL}.
 */
public final class CrashWriter {

  public static void main(String[] args) throws Exception {
    StoreLocation loc =
        args[0].equals("sqlite")
            ? StoreLocation.embedded(Path.of(args[1]))
            : StoreLocation.parse(args[1]);
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    Store store = Store.open(loc);
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    AtomicLong next = new AtomicLong();
    out.println("ready");
    out.flush();
    Runnable producer =
        () -> {
          while (true) {
            String id = "crash-" + next.getAndIncrement();
            log.append(TestStores.record(id, true))
                .thenRun(
                    () -> {
                      synchronized (out) {
                        out.println("ack " + id);
                        out.flush();
                      }
                    });
            try {
              Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
              return;
            }
          }
        };
    for (int i = 0; i < 4; i++) {
      Thread.ofPlatform().start(producer);
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
