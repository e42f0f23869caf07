package dev.vigil.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port to the test PostgreSQL (127.0.0.1:5432) that can stall: while
 * stalled it keeps every connection open and accepts new ones, but passes no byte either way, as a
 * store behind a network that drops packets, or a frozen proxy, looks to its clients. Nothing is
 * refused and nothing is closed, so a client learns of it only from its own timeouts. {@link
 * #resume} passes the held bytes on. Closing it closes every connection.
 */
public final class StallingRelay implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean stalled;
  private volatile boolean closed;

  private StallingRelay(ServerSocket server) {
    this.server = server;
  }

  /** Starts relaying a free loopback port to 127.0.0.1:5432. */
  public static StallingRelay start() throws IOException {
    StallingRelay r = new StallingRelay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    Thread t = new Thread(r::accept, "stalling-relay");
    t.setDaemon(true);
    t.start();
    return r;
  }

  /** The relay's port. */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * A JDBC URL in the form {@link TestSchemas#url} gives, for {@code schema}, through this relay.
   */
  public String url(String schema) {
    return TestSchemas.url(schema).replace("127.0.0.1:5432", "127.0.0.1:" + port());
  }

  /** Stops passing bytes, on open connections and new ones alike. */
  public void stall() {
    stalled = true;
  }

  /** Passes bytes again, those held first. */
  public void resume() {
    synchronized (gate) {
      stalled = false;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket db = new Socket(InetAddress.getLoopbackAddress(), 5432);
        sockets.add(client);
        sockets.add(db);
        pump(client, db);
        pump(db, client);
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16_384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  waitWhileStalled();
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // The other side closed, or the relay did.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "stalling-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void waitWhileStalled() throws InterruptedException {
    synchronized (gate) {
      while (stalled && !closed) {
        gate.wait(200);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    resume();
    server.close();
    sockets.forEach(StallingRelay::closeQuietly);
  }
}
