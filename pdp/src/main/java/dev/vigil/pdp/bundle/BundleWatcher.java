package dev.vigil.pdp.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a bundle up to date from its source: a directory or {@code .tar.gz} file (reloaded when its
 * files change) or an HTTP URL (polled with {@code If-None-Match}, so an unchanged bundle costs a
 * 304). Each new bundle is verified (when a key is configured) and handed to the activator; a
 * bundle that fails is refused with a logged reason and the previous one keeps serving.
 *
 * <p>Thread-safe; polling runs on one daemon thread.
 */
public final class BundleWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BundleWatcher.class);
  private static final long MAX_DOWNLOAD = 512L << 20;

  private final String source;
  private final Duration interval;
  private final BundleSignatures.VerificationKey key;
  private final Consumer<Bundle> activator;
  private final ScheduledExecutorService timer;
  private final HttpClient http;
  private volatile String fingerprint = "";
  private volatile String etag;
  private volatile boolean activated;
  private volatile String lastError = "";
  private volatile Instant lastSuccess;

  /**
   * Creates a watcher; call {@link #loadNow()} for the first load and {@link #start()} to poll.
   *
   * @param source a directory, a {@code .tar.gz} file, or an {@code http(s)://} URL
   * @param key the verification key, or null when bundles need no signature
   * @param activator activates a bundle, throwing {@link BundleException} to refuse it
   */
  public BundleWatcher(
      String source,
      Duration interval,
      BundleSignatures.VerificationKey key,
      Consumer<Bundle> activator) {
    this.source = source;
    this.interval = interval;
    this.key = key;
    this.activator = activator;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("vigil-bundle-watcher").daemon(true).unstarted(r));
    this.http =
        isHttp(source)
            ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
            : null;
  }

  static boolean isHttp(String s) {
    return s.startsWith("http://") || s.startsWith("https://");
  }

  /** Loads the bundle once; returns true when a new bundle was activated. */
  public boolean loadNow() {
    try {
      Bundle b = isHttp(source) ? fetch() : readLocal();
      if (b == null) {
        return false;
      }
      if (key != null) {
        BundleSignatures.verify(b, key);
      }
      activator.accept(b);
      activated = true;
      lastError = "";
      lastSuccess = Instant.now();
      return true;
    } catch (BundleException e) {
      if (!e.getMessage().equals(lastError)) {
        log.warn(
            activated
                ? "bundle refused, previous policy keeps serving: {}"
                : "bundle refused, no policy is loaded yet: {}",
            e.getMessage());
      }
      lastError = e.getMessage();
      fingerprint = "";
      return false;
    }
  }

  /** Starts polling at the configured interval. */
  public void start() {
    long ms = Math.max(100, interval.toMillis());
    timer.scheduleWithFixedDelay(this::pollSafely, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void pollSafely() {
    try {
      loadNow();
    } catch (RuntimeException e) {
      lastError = String.valueOf(e.getMessage());
      log.error("bundle poll failed: {}", e.toString());
    }
  }

  private Bundle readLocal() {
    Path p = Path.of(source);
    String now = fingerprint(p);
    if (now.equals(fingerprint)) {
      return null;
    }
    Bundle b = BundleReader.read(p);
    fingerprint = now;
    return b;
  }

  private static String fingerprint(Path p) {
    if (!Files.exists(p)) {
      throw new BundleException(p + ": no such bundle file or directory");
    }
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.isDirectory(p) ? Files.walk(p) : Stream.of(p)) {
      for (Path f : s.sorted().toList()) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        sb.append(f)
            .append(':')
            .append(a.size())
            .append(':')
            .append(a.lastModifiedTime().toMillis())
            .append('\n');
      }
    } catch (IOException e) {
      throw new BundleException(p + ": cannot read: " + e.getMessage(), e);
    }
    return sb.toString();
  }

  private Bundle fetch() {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(source)).timeout(Duration.ofSeconds(30)).GET();
    if (etag != null) {
      req.header("If-None-Match", etag);
    }
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new BundleException(source + ": download failed: " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleException(source + ": download interrupted");
    }
    try (InputStream body = resp.body()) {
      if (resp.statusCode() == 304) {
        return null;
      }
      if (resp.statusCode() != 200) {
        throw new BundleException(source + ": download failed with HTTP " + resp.statusCode());
      }
      byte[] bytes = body.readNBytes((int) Math.min(MAX_DOWNLOAD + 1, Integer.MAX_VALUE - 8));
      if (bytes.length > MAX_DOWNLOAD) {
        throw new BundleException(source + ": bundle is larger than " + MAX_DOWNLOAD + " bytes");
      }
      Bundle b = BundleReader.read(bytes, source);
      etag = resp.headers().firstValue("ETag").orElse(null);
      return b;
    } catch (IOException e) {
      throw new BundleException(source + ": download failed: " + reason(e), e);
    }
  }

  /** Returns true once a bundle from this source has been activated. */
  public boolean activated() {
    return activated;
  }

  /** Returns the last refusal or failure, empty when the last attempt succeeded. */
  public String lastError() {
    return lastError;
  }

  public Instant lastSuccess() {
    return lastSuccess;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /**
   * What went wrong with a download: the JDK's client gives some failures (a refused connection)
   * with no message, only their type.
   */
  private static String reason(IOException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      Throwable c = e.getCause();
      m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
    }
    return m;
  }
}
