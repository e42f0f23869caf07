package dev.vigil.sdk;

import static dev.vigil.sdk.AssertionVerifier.MAX_FRESH;
import static dev.vigil.sdk.AssertionVerifier.MAX_STALE;
import static dev.vigil.sdk.AssertionVerifier.REFRESH_FLOOR;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.vigil.httpkit.CacheFreshness;
import dev.vigil.httpkit.CappedBody;
import dev.vigil.httpkit.StrictJson;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway's assertion keys, read from its JWKS address, following rotation and withdrawal.
 *
 * <p>An assertion is checked only against the keys of the latest set read. That set is used for as
 * long as the answer's {@code Cache-Control: max-age} allows (less its {@code Age}), held between
 * {@link AssertionVerifier#REFRESH_FLOOR} and {@link AssertionVerifier#MAX_FRESH}, and is then read
 * again: a key the gateway withdraws is refused at most that long afterwards. While the set is read
 * again, other callers go on with the set they have; only a caller with no usable set waits. An
 * assertion naming a key id not in the set (a node joined, or restarted with a new key) has the set
 * read again at once. Reads happen at most once per {@code REFRESH_FLOOR}, whatever asks for them:
 * a flood of assertions with invented key ids costs the gateway one request per floor.
 *
 * <p>Fail closed when the set cannot be read: the set read last stays in use until {@link
 * AssertionVerifier#MAX_STALE} after that read, then no key is handed out until a read succeeds;
 * before the first successful read there are none. The refusal says since when and why.
 *
 * <p>This is the policy of the gateway's {@code JwksCache} for identity providers, with bounds
 * fitted to the gateway's own keys; the SDK cannot use that class (docs/architecture.md). Only
 * public P-256 keys of the set are used. Thread-safe.
 */
final class GatewayJwks {

  /** A set read, when, and until when it is used without reading it again. */
  private record Read(JWKSet keys, Instant at, Instant freshUntil) {}

  /** How long one read may take, from the request to the last byte of the answer. */
  static final Duration READ_DEADLINE = AssertionVerifier.SKEW.dividedBy(3);

  private final URI location;
  private final InstantSource clock;
  private final Duration deadline;
  private final HttpClient http;
  private final ReentrantLock reading = new ReentrantLock();

  /** The latest set read, or null before the first successful read. */
  private volatile Read last;

  /** When the set was last asked for, successfully or not; null before the first time. */
  private volatile Instant triedAt;

  /** Why the latest read failed, or null when it succeeded. */
  private volatile String failure;

  GatewayJwks(URI location, InstantSource clock) {
    this(location, clock, READ_DEADLINE);
  }

  /** As above, each read given {@code deadline} in all (tests shorten it). */
  GatewayJwks(URI location, InstantSource clock, Duration deadline) {
    this.location = location;
    this.clock = clock;
    this.deadline = deadline;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(AssertionVerifier.SKEW.dividedBy(6))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * Returns the P-256 public key with id {@code kid} from the latest set read.
   *
   * @throws AssertionRejectedException {@code KEYS_UNAVAILABLE} when there is no usable set (never
   *     read, or read last more than {@code MAX_STALE} ago); {@code KEY_UNKNOWN} when the set has
   *     no such key, also after reading it again when the floor allowed it
   */
  ECKey key(String kid) throws AssertionRejectedException {
    Instant now = clock.instant();
    Read r = last;
    if (r == null || !now.isBefore(r.freshUntil())) {
      readIfDue(now, !usable(r, now));
      r = last;
    }
    if (!usable(r, now)) {
      throw new AssertionRejectedException(Reason.KEYS_UNAVAILABLE, unusable(r));
    }
    ECKey key = find(r.keys(), kid);
    if (key == null && mayRead(now)) {
      // A key id not in the set: a node may have joined or restarted since.
      reading.lock();
      try {
        if (mayRead(now)) {
          read(now);
        }
      } finally {
        reading.unlock();
      }
      r = last;
      key = usable(r, now) ? find(r.keys(), kid) : null;
    }
    if (key == null) {
      throw new AssertionRejectedException(
          Reason.KEY_UNKNOWN, "no P-256 key with kid \"" + kid + "\" in the gateway's JWKS");
    }
    return key;
  }

  /** Returns the public P-256 key {@code kid} of {@code set}, or null. */
  static ECKey find(JWKSet set, String kid) {
    JWK jwk = set == null ? null : set.getKeyByKeyId(kid);
    if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) && !ec.isPrivate()) {
      return ec;
    }
    return null;
  }

  private static boolean usable(Read r, Instant now) {
    return r != null && now.isBefore(r.at().plus(MAX_STALE));
  }

  /** Whether the floor allows a read now; also when the clock was set back past the last one. */
  private boolean mayRead(Instant now) {
    Instant t = triedAt;
    return t == null || now.isBefore(t) || !now.isBefore(t.plus(REFRESH_FLOOR));
  }

  /**
   * Reads the set when it is due and the floor allows; waits for a read already under way only when
   * {@code wait} (the caller has no usable set).
   */
  private void readIfDue(Instant now, boolean wait) {
    if (wait) {
      reading.lock();
    } else if (!reading.tryLock()) {
      return;
    }
    try {
      Read r = last;
      if ((r == null || !now.isBefore(r.freshUntil())) && mayRead(now)) {
        read(now);
      }
    } finally {
      reading.unlock();
    }
  }

  /** Reads the set; called with {@link #reading} held. */
  private void read(Instant now) {
    triedAt = now;
    // The request's own timeout stops at the answer's head: a body that stalls would hold the
    // read, and every caller without a usable set, for as long as the connection stays open.
    CompletableFuture<HttpResponse<byte[]>> pending =
        http.sendAsync(
            HttpRequest.newBuilder(location).timeout(deadline).GET().build(),
            CappedBody.handler(MAX_BYTES));
    try {
      HttpResponse<byte[]> resp = pending.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (resp.statusCode() != 200) {
        failure = "the JWKS answered " + resp.statusCode();
        return;
      }
      String text = new String(resp.body(), StandardCharsets.UTF_8);
      StrictJson.requireUniqueKeys("the JWKS", text);
      JWKSet keys = JWKSet.parse(text);
      Duration fresh =
          freshness(resp.headers().allValues("Cache-Control"), resp.headers().firstValue("Age"));
      last = new Read(keys, now, now.plus(fresh));
      failure = null;
    } catch (ExecutionException e) {
      failure =
          e.getCause() instanceof CappedBody.TooLarge t
              ? "the JWKS is larger than " + t.limit() / 1024 + " KiB"
              : message(e.getCause() == null ? e : e.getCause());
    } catch (ParseException | StrictJson.Refused e) {
      failure = message(e);
    } catch (TimeoutException e) {
      pending.cancel(true);
      failure = "no full answer within " + deadline.toMillis() + " ms";
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      failure = "interrupted while reading it";
    }
  }

  /** The largest JWKS read: a gateway's holds a few keys, a few hundred bytes each. */
  static final int MAX_BYTES = 512 * 1024;

  private static String message(Throwable t) {
    return IoFailures.describe(t);
  }

  private String unusable(Read r) {
    String why = failure == null ? "" : ": " + failure;
    if (r == null) {
      return "the gateway's keys at " + location + " could not be read" + why;
    }
    return "the gateway's keys at "
        + location
        + " were read last at "
        + r.at()
        + ", more than "
        + MAX_STALE.toSeconds()
        + " s ago"
        + why;
  }

  /**
   * Returns how long a set read with these headers is used: the least {@code max-age} (RFC 9111
   * section 5.2.2.1) less {@code Age} (section 5.1); the floor for {@code no-store} or {@code
   * no-cache}; {@code MAX_FRESH} when there is no {@code max-age} that reads as delta-seconds;
   * always between {@code REFRESH_FLOOR} and {@code MAX_FRESH}.
   *
   * <p>The gateway's {@code JwksCache} reads the same directives ({@link CacheFreshness}) with its
   * own bounds.
   */
  static Duration freshness(List<String> cacheControl, Optional<String> age) {
    return CacheFreshness.of(cacheControl, age, REFRESH_FLOOR, MAX_FRESH);
  }
}
