package dev.vigil.gateway.edge;

import dev.vigil.access.Grant;
import dev.vigil.access.GrantEvent;
import dev.vigil.access.Grants;
import dev.vigil.pdp.Timestamps;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a webhook of every change of a grant this node makes ({@code access.notify} in vigil.yaml):
 * a request waiting for an approver, a break-glass taken, a decision, a revocation, a review, an
 * expiry. Approvers learn of requests without watching the access page, and a security team of a
 * break-glass the moment it is taken.
 *
 * <p>Each change is one {@code POST} of JSON: {@code event} (the audit trail's action), {@code at},
 * {@code actor}, {@code reason} and {@code grant} as the access endpoints show it. With a secret,
 * {@code X-Vigil-Signature: sha256=HEX} is the HMAC-SHA256 of the body under it, for the receiver
 * to check. The posts go out in order from a thread of their own: a grant is never held up by the
 * webhook. A post that fails (no answer within 10 s, or a status other than 2xx) is tried twice
 * more, 1 s and 5 s later, then dropped with a warning; so is a change that finds 1,000 waiting.
 * Each node tells of the changes it makes, so a change is told once however many nodes there are.
 */
public final class AccessNotifier implements Grants.Listener, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AccessNotifier.class);

  /** Changes waiting to be posted before the next is dropped. */
  static final int CAPACITY = 1_000;

  /** The pauses before the second and the third try of a post. */
  static final List<Duration> RETRIES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5));

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI url;
  private final String where;
  private final byte[] secret;
  private final InstantSource clock;
  private final List<Duration> retries;
  private final BlockingQueue<String[]> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final HttpClient http;
  private final Thread sender;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closing;

  /**
   * Starts the sender.
   *
   * @param url the webhook, http or https
   * @param secret the key the bodies are signed with, or null to sign none
   */
  public AccessNotifier(URI url, byte[] secret, InstantSource clock) {
    this(url, secret, clock, RETRIES);
  }

  AccessNotifier(URI url, byte[] secret, InstantSource clock, List<Duration> retries) {
    this.url = url;
    // Logged as scheme, host and port only: webhooks often carry their token in the path.
    this.where =
        url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    this.secret = secret == null ? null : secret.clone();
    this.clock = clock;
    this.retries = List.copyOf(retries);
    this.http =
        HttpClient.newBuilder()
            // HTTP/1.1: over http:// the JDK would otherwise ask each webhook to upgrade to h2c.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.sender = Thread.ofPlatform().daemon().name("vigil-access-notify").start(this::run);
  }

  @Override
  public void changed(GrantEvent event, Grant grant) {
    Map<Value, Value> m = new HashMap<>();
    m.put(StringValue.of("event"), StringValue.of(event.action()));
    m.put(StringValue.of("at"), StringValue.of(Timestamps.iso(event.at())));
    m.put(StringValue.of("actor"), StringValue.of(event.actor()));
    if (event.actorIdp() != null) {
      // A provider's user: their user id names them only with the provider.
      m.put(StringValue.of("actor_provider"), StringValue.of(event.actorIdp()));
    }
    m.put(StringValue.of("reason"), StringValue.of(event.reason() == null ? "" : event.reason()));
    m.put(StringValue.of("grant"), AccessEndpoints.value(grant, clock.instant()));
    String body = Json.write(ObjectValue.wrap(m));
    if (closing || !queue.offer(new String[] {event.action(), event.grantId(), body})) {
      long n = dropped.incrementAndGet();
      log.warn(
          "access webhook {}: {} of grant {} not told ({} waiting; {} dropped so far)",
          where,
          event.action(),
          event.grantId(),
          queue.size(),
          n);
    }
  }

  /** Changes posted with a 2xx answer. */
  public long sent() {
    return sent.get();
  }

  /** Changes given up on: the queue was full, or every try failed. */
  public long dropped() {
    return dropped.get();
  }

  private void run() {
    while (true) {
      String[] next;
      try {
        next = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (next == null) {
        if (closing) {
          return;
        }
        continue;
      }
      if (!post(next[0], next[1], next[2])) {
        dropped.incrementAndGet();
      }
    }
  }

  /** Posts one change, with its retries; false when every try failed. */
  private boolean post(String action, String grantId, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .header("User-Agent", "vigil")
            .header("X-Vigil-Event", action)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (secret != null) {
      b.header("X-Vigil-Signature", "sha256=" + sign(secret, body));
    }
    HttpRequest request = b.build();
    String last = "";
    for (int attempt = 0; attempt <= retries.size(); attempt++) {
      if (attempt > 0) {
        try {
          Thread.sleep(retries.get(attempt - 1));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return stopped(action, grantId);
        }
      }
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 == 2) {
          sent.incrementAndGet();
          return true;
        }
        last = "answered " + r.statusCode();
      } catch (IOException | RuntimeException e) {
        // A RuntimeException too (the client refuses an address it cannot connect to): let out
        // of here, it would end the sender and every later change would wait unseen.
        last = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return stopped(action, grantId);
      }
    }
    log.warn(
        "access webhook {}: {} of grant {} not told after {} tries: {}",
        where,
        action,
        grantId,
        retries.size() + 1,
        last);
    return false;
  }

  /** The hex HMAC-SHA256 of {@code body} under {@code key}, as {@code X-Vigil-Signature} holds. */
  public static String sign(byte[] key, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available: " + e.getMessage(), e);
    }
  }

  /** Warns that the change being posted is given up as the node stops; returns false. */
  private boolean stopped(String action, String grantId) {
    log.warn(
        "access webhook {}: {} of grant {} not told: vigil is stopping", where, action, grantId);
    return false;
  }

  /**
   * Posts what is waiting, for at most 5 s more, then stops; changes after this are dropped. What
   * is still waiting then is dropped with a warning naming each grant, as every change given up.
   */
  @Override
  public void close() {
    closing = true;
    try {
      sender.join(TimeUnit.SECONDS.toMillis(5));
      sender.interrupt();
      sender.join(TimeUnit.SECONDS.toMillis(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String[]> left = new ArrayList<>();
    queue.drainTo(left);
    if (!left.isEmpty()) {
      dropped.addAndGet(left.size());
      log.warn(
          "access webhook {}: {} changes not told: vigil is stopping ({})",
          where,
          left.size(),
          String.join(", ", left.stream().map(c -> c[0] + " of grant " + c[1]).toList()));
    }
    http.close();
  }
}
