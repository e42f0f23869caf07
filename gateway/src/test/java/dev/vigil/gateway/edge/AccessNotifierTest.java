package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.access.ProviderApprover;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook of {@code access.notify} against a real HTTP server on loopback, told by real grants
 * on the embedded store: each change posted once, in order, signed; a failing webhook tried again;
 * one that is down never holds up a grant.
 */
class AccessNotifierTest {

  private static final Entitlement DB =
      new Entitlement(
          "prod-db-admin", List.of("carol"), Duration.ofHours(1), true, Duration.ofMinutes(30));
  private static final byte[] SECRET = "s3cret-for-the-hook".getBytes(StandardCharsets.UTF_8);

  /** One post the webhook received. */
  record Post(String event, String signature, String body, String upgrade) {}

  @TempDir Path tmp;
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final BlockingQueue<Post> received = new ArrayBlockingQueue<>(100);

  /** The statuses the webhook answers with, in turn; 204 once they run out. */
  private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();

  private HttpServer hook;
  private Store store;
  private Grants grants;
  private AccessNotifier notifier;

  @BeforeEach
  void start() throws Exception {
    hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    hook.createContext(
        "/hooks/T0KEN",
        x -> {
          byte[] body;
          try (InputStream in = x.getRequestBody()) {
            body = in.readAllBytes();
          }
          received.add(
              new Post(
                  x.getRequestHeaders().getFirst("X-Vigil-Event"),
                  x.getRequestHeaders().getFirst("X-Vigil-Signature"),
                  new String(body, StandardCharsets.UTF_8),
                  x.getRequestHeaders().getFirst("Upgrade")));
          Integer status = answers.poll();
          x.sendResponseHeaders(status == null ? 204 : status, -1);
          x.close();
        });
    hook.start();
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    grants = Grants.open(store, clock, List.of(DB));
  }

  @AfterEach
  void stop() {
    if (notifier != null) {
      notifier.close();
    }
    grants.close();
    store.close();
    hook.stop(0);
  }

  private URI hookUrl() {
    return URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hooks/T0KEN");
  }

  private Post next() throws InterruptedException {
    Post p = received.poll(20, TimeUnit.SECONDS);
    assertThat(p).as("a post to the webhook").isNotNull();
    return p;
  }

  /**
   * A count of the notifier once it reaches {@code expected}, or as it is after 20 s: the webhook
   * sees a post before the notifier has its answer and counts it.
   */
  private static long counted(java.util.function.LongSupplier count, long expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (count.getAsLong() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return count.getAsLong();
  }

  /** Tells a notifier of {@code url} with {@code retries} of every change of the grants. */
  private void listen(URI url, Duration... retries) {
    notifier = new AccessNotifier(url, SECRET, clock, List.of(retries));
    grants.listen(notifier);
  }

  /** The webhook's URL, once it has stopped: nothing answers there. */
  private URI stoppedHook() {
    URI url = hookUrl();
    hook.stop(0);
    return url;
  }

  /** alice asks for the entitlement and carol approves: two changes. */
  private Grant requestedAndApproved() {
    Grant asked = grants.request("alice", "local", DB.name(), "30m", "fix the replica");
    return grants.approve(asked.id(), "carol", Set.of(), null);
  }

  private static String field(ObjectValue o, String key) {
    return ((StringValue) o.get(key)).value();
  }

  private static String hmac(String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void requestDecisionAndBreakGlass_eachPostedOnceInOrder_signed() throws Exception {
    notifier = new AccessNotifier(hookUrl(), SECRET, clock);
    grants.listen(notifier);

    Grant asked = grants.request("alice", "local", DB.name(), "30m", "fix the replica");
    grants.approve(asked.id(), "carol", Set.of(), "go ahead");
    Grant glass = grants.breakGlass("bob", "local", DB.name(), null, "prod is down");

    Post requested = next();
    Post approved = next();
    Post broken = next();
    assertThat(List.of(requested.event(), approved.event(), broken.event()))
        .containsExactly("requested", "approved", "break_glass");
    for (Post p : List.of(requested, approved, broken)) {
      assertThat(p.signature()).isEqualTo(hmac(p.body()));
      assertThat(p.upgrade()).as("a plain HTTP/1.1 post, no h2c upgrade").isNull();
    }
    ObjectValue r = (ObjectValue) Json.parse(requested.body());
    assertThat(field(r, "event")).isEqualTo("requested");
    assertThat(field(r, "actor")).isEqualTo("alice");
    assertThat(field(r, "reason")).isEqualTo("fix the replica");
    ObjectValue rg = (ObjectValue) r.get("grant");
    assertThat(field(rg, "id")).isEqualTo(asked.id());
    assertThat(field(rg, "entitlement")).isEqualTo("prod-db-admin");
    assertThat(field(rg, "state")).isEqualTo("pending");
    ObjectValue a = (ObjectValue) Json.parse(approved.body());
    assertThat(field(a, "actor")).isEqualTo("carol");
    assertThat(field((ObjectValue) a.get("grant"), "state")).isEqualTo("active");
    ObjectValue b = (ObjectValue) Json.parse(broken.body());
    assertThat(field((ObjectValue) b.get("grant"), "id")).isEqualTo(glass.id());
    assertThat(((ObjectValue) b.get("grant")).get("break_glass")).isEqualTo(BooleanValue.TRUE);
    assertThat(received).isEmpty();
    assertThat(counted(notifier::sent, 3)).isEqualTo(3);
  }

  @Test
  void decisionOfAProviderUser_postedWithTheActorsProvider() throws Exception {
    notifier = new AccessNotifier(hookUrl(), SECRET, clock);
    grants.listen(notifier);
    grants.entitlements(
        List.of(
            new Entitlement(
                DB.name(),
                List.of(),
                Duration.ofHours(1),
                false,
                Duration.ofMinutes(30),
                List.of(ProviderApprover.group("corp", "sre")))));

    Grant asked = grants.request("alice", "local", DB.name(), "30m", "fix the replica");
    grants.approve(asked.id(), "00u-sam", "corp", Set.of("sre"), null);

    ObjectValue r = (ObjectValue) Json.parse(next().body());
    ObjectValue a = (ObjectValue) Json.parse(next().body());
    assertThat(r.get(StringValue.of("actor_provider"))).isNull();
    assertThat(field(a, "actor")).isEqualTo("00u-sam");
    assertThat(field(a, "actor_provider")).isEqualTo("corp");
    assertThat(field((ObjectValue) a.get("grant"), "decided_by_provider")).isEqualTo("corp");
  }

  @Test
  void expiry_isTold() throws Exception {
    notifier = new AccessNotifier(hookUrl(), null, clock);
    grants.listen(notifier);
    requestedAndApproved();
    assertThat(next().event()).isEqualTo("requested");
    assertThat(next().event()).isEqualTo("approved");

    now.set(now.get().plus(Duration.ofMinutes(31)));
    grants.refresh();

    Post expired = next();
    assertThat(expired.event()).isEqualTo("expired");
    assertThat(expired.signature()).as("no secret, no signature").isNull();
    assertThat(field((ObjectValue) Json.parse(expired.body()), "reason"))
        .isEqualTo("duration ended");
  }

  @Test
  void expiryWhileNoNodeRan_isToldByTheNextNodeOnOpening() throws Exception {
    // vigil up added the webhook after opening the grants, whose first read had already marked
    // expired the grants that ended while it was stopped: those expiries were never posted.
    requestedAndApproved();
    grants.close();
    now.set(now.get().plus(Duration.ofMinutes(31)));

    notifier = new AccessNotifier(hookUrl(), SECRET, clock);
    grants = Grants.open(store, clock, List.of(DB), List.of(notifier));

    Post expired = next();
    assertThat(expired.event()).isEqualTo("expired");
    assertThat(field((ObjectValue) Json.parse(expired.body()), "reason"))
        .isEqualTo("duration ended");
  }

  @Test
  void webhookFailingTwice_isTriedAgain_andToldOnce() throws Exception {
    answers.add(503);
    answers.add(500);
    listen(hookUrl(), Duration.ofMillis(10), Duration.ofMillis(10));

    grants.request("alice", "local", DB.name(), "30m", "fix the replica");

    Post first = next();
    Post second = next();
    Post third = next();
    assertThat(List.of(first.body(), second.body())).containsOnly(third.body());
    assertThat(received.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(counted(notifier::sent, 1)).isEqualTo(1);
    assertThat(notifier.dropped()).isZero();
  }

  @Test
  void webhookDown_grantsStillWork_andTheChangeIsDropped() throws Exception {
    listen(stoppedHook(), Duration.ofMillis(10), Duration.ofMillis(10));

    Grant approved = requestedAndApproved();

    assertThat(approved.stateAt(now.get())).isEqualTo(Grant.State.ACTIVE);
    assertThat(counted(notifier::dropped, 2)).isEqualTo(2);
    assertThat(notifier.sent()).isZero();
  }

  @Test
  void webhookAddressTheClientRefuses_eachChangeDropped_senderKeepsRunning() throws Exception {
    // Port 99999 reads as a URI but no socket takes it: the HTTP client throws an unchecked
    // exception, which ended the sender thread at the first change, and every later one waited
    // in the queue unseen, with a stack trace and no warning.
    listen(
        URI.create("http://127.0.0.1:99999/hooks/T0KEN"),
        Duration.ofMillis(10),
        Duration.ofMillis(10));

    requestedAndApproved();

    assertThat(counted(notifier::dropped, 2)).isEqualTo(2);
    assertThat(notifier.sent()).isZero();
  }

  @Test
  void close_changesStillWaiting_countedAsDropped() throws Exception {
    // A node stopping while the webhook was down dropped the change in flight and lost those
    // queued behind it without a word: a break-glass could go untold and unlogged.
    listen(stoppedHook(), Duration.ofMinutes(5), Duration.ofMinutes(5));
    requestedAndApproved();
    grants.breakGlass("bob", "local", DB.name(), "10m", "INC-9: outage");

    notifier.close();

    assertThat(notifier.dropped()).isEqualTo(3);
    assertThat(notifier.sent()).isZero();
  }
}
