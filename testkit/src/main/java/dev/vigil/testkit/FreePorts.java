package dev.vigil.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Loopback ports for a test to put in a configuration before the process that binds them starts.
 * The kernel may hand the same free port to two asks in a row, and a test that asks for a gateway's
 * port and then for its TLS port would then give both listeners one address: a port is given out at
 * most once in a JVM. (Another process may still take one between the ask and the bind.)
 */
public final class FreePorts {

  private static final Set<Integer> given = new HashSet<>();

  private FreePorts() {}

  /** Returns a loopback port free a moment ago, never one returned before in this JVM. */
  public static synchronized int next() throws IOException {
    for (int i = 0; i < 1_000; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (given.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new IOException("no free loopback port that was not given out before");
  }
}
