package dev.vigil.gateway.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/** Real peers and waits shared by the gateway's end-to-end tests. */
final class Fixtures {

  private Fixtures() {}

  /**
   * The route most gateway tests serve: {@code app}, every host and path, to the app on loopback
   * {@code port}, decided by {@code authz/allow} in enforce mode.
   */
  static Route appRoute(int port) {
    return new Route(
        "app",
        "*",
        "/",
        java.net.URI.create("http://127.0.0.1:" + port),
        "authz/allow",
        dev.vigil.pdp.Mode.ENFORCE,
        java.util.Map.of(),
        null);
  }

  /** Sessions as the gateway makes them by default: 30 minutes idle, 8 hours at most. */
  static SessionCodec sessions(InstantSource clock) {
    return new SessionCodec(
        SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
  }

  /**
   * Starts a gateway on a free loopback port (plain HTTP only) with {@code routes} and the local
   * users of {@code auth}, its identity assertions signed on {@code assertionClock}.
   */
  static EdgeGateway startWithLocalUsers(
      List<Route> routes,
      DecisionPoint pdp,
      InstantSource assertionClock,
      InstantSource clock,
      LocalAuthenticator auth) {
    return EdgeGateway.start(
        EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(routes)),
                pdp,
                new IdentityAssertion("vigil", Duration.ofSeconds(60), assertionClock),
                clock)
            .withLocalUsers(auth, null));
  }

  /** Starts a server on loopback that answers every request 200 with {@code answer}'s text. */
  static HttpServer answering(Function<HttpExchange, String> answer) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/",
        ex -> {
          byte[] body = answer.apply(ex).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    s.start();
    return s;
  }

  /** Returns a loopback port free a moment ago (for a callback URL known before the start). */
  /**
   * Takes a thread of {@code work} until {@code release} is counted down, and returns once the task
   * runs; join the future it returns after the release.
   */
  static CompletableFuture<Void> hold(BoundedWork work, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    CompletableFuture<Void> held =
        work.submit(
            () -> {
              running.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return null;
            });
    if (!running.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the held task did not start");
    }
    return held;
  }

  static int freePort() throws IOException {
    return dev.vigil.testkit.FreePorts.next();
  }

  /** Waits for the decision log to make a decision durable, and returns it. */
  static DecisionRecord awaitRecord(Store store, String id) throws InterruptedException {
    DecisionReader reader = new DecisionReader(store);
    for (int i = 0; i < 200; i++) {
      var rec = reader.get(id);
      if (rec.isPresent()) {
        return rec.get();
      }
      Thread.sleep(25);
    }
    throw new AssertionError("no decision-log entry " + id);
  }

  /** Drains what a provider has received so far; returns the token endpoint's form bodies. */
  static List<String> tokenRequests(MockOAuth2Server idp) {
    List<String> out = new ArrayList<>();
    while (true) {
      RecordedRequest r;
      try {
        r = idp.takeRequest(50, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        // mock-oauth2-server signals an empty queue so.
        return out;
      }
      if (r == null) {
        return out;
      }
      if (r.getPath() != null && r.getPath().endsWith("/token")) {
        out.add(r.getBody().readUtf8());
      }
    }
  }
}
