package dev.vigil.gateway.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of a WebSocket opening handshake (RFC 6455 §4), read before the gateway does
 * any work upstream for it: whether a request asks for a WebSocket, whether it is a handshake the
 * gateway's listener will accept, and the subprotocols it offers, which the app chooses from.
 *
 * <p>Why check first: the gateway opens the app's WebSocket before it accepts the client's (so that
 * it can answer the client with the app's choice of subprotocol). A request the listener would then
 * refuse (a {@code POST}, a handshake without its key) cost a connection to the app, and its
 * upgrade with the identity headers, for nothing.
 *
 * <p>Stateless.
 */
public final class WebSocketHandshake {

  /** The only version of RFC 6455, the one every current client sends. */
  public static final String VERSION = "13";

  private WebSocketHandshake() {}

  /** Tells whether the request asks for a WebSocket: {@code Upgrade: websocket}. */
  public static boolean asked(HttpServerRequest req) {
    return "websocket".equalsIgnoreCase(req.headers().get("Upgrade"));
  }

  /**
   * Returns why a request that asks for a WebSocket is not a handshake the gateway takes, or null
   * when it is: an HTTP/1.1 {@code GET} with {@code Connection: Upgrade}, a {@code
   * Sec-WebSocket-Key} and {@code Sec-WebSocket-Version} 13 (RFC 6455 §4.1, §4.2.1).
   */
  public static String refusal(HttpServerRequest req) {
    if (!HttpMethod.GET.equals(req.method())) {
      return methodRefusal(req.method().name());
    }
    if (req.version() != HttpVersion.HTTP_1_1) {
      return "a WebSocket upgrade must be an HTTP/1.1 request";
    }
    MultiMap h = req.headers();
    if (!listsUpgrade(h.getAll("Connection"))) {
      return "a WebSocket upgrade must carry Connection: Upgrade";
    }
    String key = h.get("Sec-WebSocket-Key");
    if (key == null || key.isBlank()) {
      return "a WebSocket upgrade must carry a Sec-WebSocket-Key";
    }
    if (!VERSION.equals(h.get("Sec-WebSocket-Version"))) {
      return "a WebSocket upgrade must be of Sec-WebSocket-Version 13";
    }
    return null;
  }

  /** The refusal of a WebSocket upgrade asked with another method than GET. */
  public static String methodRefusal(String method) {
    return "a WebSocket upgrade must be a GET request (RFC 6455 §4.1), not " + method;
  }

  /** Tells whether one of the {@code Connection} fields lists the {@code upgrade} option. */
  private static boolean listsUpgrade(List<String> fields) {
    for (String f : fields) {
      for (String option : f.split(",")) {
        if (option.strip().equalsIgnoreCase("upgrade")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Returns the subprotocols the client offers, in its order of preference, from every {@code
   * Sec-WebSocket-Protocol} field (RFC 6455 §4.1: a comma-separated list, possibly over several
   * fields); empty when it offers none.
   */
  public static List<String> subprotocols(HttpServerRequest req) {
    List<String> fields = req.headers().getAll("Sec-WebSocket-Protocol");
    if (fields.isEmpty()) {
      return List.of();
    }
    List<String> offered = new ArrayList<>();
    for (String f : fields) {
      for (String p : f.split(",")) {
        String name = p.strip();
        if (!name.isEmpty() && !offered.contains(name)) {
          offered.add(name);
        }
      }
    }
    return offered;
  }
}
