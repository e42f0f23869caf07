package dev.vigil.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;

/**
 * The name a node writes into every decision it logs, so that the nodes sharing one store can be
 * told apart: {@code VIGIL_NODE} when set, else the host's name, else {@code local}.
 */
final class NodeName {

  private NodeName() {}

  /** The name of this node, from its environment and host. */
  static String current() {
    return of(System.getenv());
  }

  /** The name given by {@code env}'s {@code VIGIL_NODE}, else the host's name. */
  static String of(Map<String, String> env) {
    String named = env.get("VIGIL_NODE");
    if (named != null && !named.isBlank()) {
      return named.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "local";
    }
  }
}
