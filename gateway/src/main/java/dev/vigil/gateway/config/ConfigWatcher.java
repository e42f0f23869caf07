package dev.vigil.gateway.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code vigil up}'s configuration file and hands each good new version to a listener.
 *
 * <p>The file is read again when its bytes change (compared by digest, so an editor that rewrites
 * the file with the same content, or a touch, reloads nothing). A version that does not read is
 * refused with its {@code file:line} message and the listener is not called: the configuration in
 * service stays. The same bad bytes are reported once, not at every poll. A file with no YAML
 * document at all (empty, or comments only) is refused likewise: it is what a file being saved
 * looks like for a moment, not a wish to drop every route and user.
 *
 * <p>A version that reads but that the listener refuses may be refused for the state of something
 * else (a route whose policy the bundle in service does not define yet): {@link #recheckRefused}
 * offers it to the listener again once that changes, without a new save of the file.
 *
 * <p>A file that is deleted, or that can no longer be read (its permissions changed, its disk
 * gone), fails safe: the configuration in service keeps serving, routes, users and policy included,
 * and a warning says so once, with the reason, until the file reads again (logged too). Dropping
 * routes because a file vanished would open or close every door at once. Thread-safe.
 */
public final class ConfigWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  /** What one check found. */
  public enum Outcome {
    UNCHANGED,
    APPLIED,
    REFUSED,
    /** The file is gone or cannot be read: the configuration in service stays. */
    UNREADABLE
  }

  private final Path file;
  private final Path dataDirOverride;
  private final Set<String> moreApprovers;
  private final Consumer<VigilConfig> listener;
  private ScheduledExecutorService poller;
  private byte[] seen;
  // Guarded by this: why the file cannot be read, while it cannot; null while it can.
  private String unreadable;
  private volatile String lastError;
  // Guarded by this: the version in `seen` reads, and only the listener refused it.
  private boolean refusedByListener;

  /**
   * @param file the configuration file, as read at start
   * @param dataDirOverride the {@code --data-dir} given at start, or null
   * @param listener receives each new configuration that reads without error; it may throw {@link
   *     ConfigException} or {@link IllegalArgumentException} to refuse it
   */
  public ConfigWatcher(Path file, Path dataDirOverride, Consumer<VigilConfig> listener) {
    this(file, dataDirOverride, Set.of(), listener);
  }

  /**
   * As above, with approvers that are not in the file (see {@link VigilConfig#read(Path, Path,
   * Set)}).
   */
  public ConfigWatcher(
      Path file, Path dataDirOverride, Set<String> moreApprovers, Consumer<VigilConfig> listener) {
    this.file = file;
    this.dataDirOverride = dataDirOverride;
    this.moreApprovers = Set.copyOf(moreApprovers);
    this.listener = listener;
    byte[] first;
    try {
      first = digest(file);
    } catch (IOException e) {
      first = null;
    }
    this.seen = first;
  }

  /** Polls the file every {@code interval} on a daemon thread. */
  public synchronized void start(Duration interval) {
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-config-watch");
              t.setDaemon(true);
              return t;
            });
    long ms = interval.toMillis();
    poller.scheduleWithFixedDelay(this::checkNow, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Reads the file if it changed and applies it; returns what happened. */
  public synchronized Outcome checkNow() {
    byte[] now;
    try {
      now = digest(file);
    } catch (IOException e) {
      return unreadable(e);
    }
    if (unreadable != null) {
      log.info("configuration file readable again: file={}", file);
      unreadable = null;
    }
    if (Arrays.equals(now, seen)) {
      return Outcome.UNCHANGED;
    }
    seen = now;
    return apply();
  }

  /**
   * Offers the version last refused by the listener to it again, as when something it depends on
   * has changed (the policy in service); does nothing when the last version was applied, or did not
   * read.
   */
  public synchronized Outcome recheckRefused() {
    byte[] now;
    try {
      now = digest(file);
    } catch (IOException e) {
      return Outcome.UNCHANGED; // the next poll says why
    }
    if (!refusedByListener || !Arrays.equals(now, seen)) {
      // A newer version is on disk: the next poll reads it.
      return Outcome.UNCHANGED;
    }
    return apply();
  }

  private Outcome apply() {
    refusedByListener = false;
    VigilConfig next;
    try {
      if (YamlNode.read(file).isMissing()) {
        // An editor that truncates the file before writing it shows this state for a moment;
        // applied, it would remove every route and user and sign out whoever asked meanwhile.
        throw new ConfigException(
            file
                + ": is empty (no YAML document); to serve no routes and no users, say so:"
                + " routes: [] and users: []");
      }
      next = VigilConfig.read(file, dataDirOverride, moreApprovers);
    } catch (ConfigException | IllegalArgumentException e) {
      return refused(e);
    }
    try {
      listener.accept(next);
    } catch (ConfigException | IllegalArgumentException e) {
      refusedByListener = true;
      return refused(e);
    }
    lastError = null;
    log.info("configuration reloaded: file={}", file);
    return Outcome.APPLIED;
  }

  /** Warns once per reason that the file cannot be read and that nothing changes meanwhile. */
  private Outcome unreadable(IOException e) {
    String why =
        e instanceof NoSuchFileException
            ? "is gone (deleted or moved)"
            : e instanceof AccessDeniedException
                ? "cannot be read (permission denied)"
                : "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
    if (!why.equals(unreadable)) {
      unreadable = why;
      log.warn(
          "configuration file {} {}: vigil keeps running on the last good configuration, its"
              + " routes, users and policy unchanged, until the file reads again",
          file,
          why);
    }
    return Outcome.UNREADABLE;
  }

  private Outcome refused(RuntimeException e) {
    lastError = e.getMessage();
    log.error("configuration change refused, the previous one keeps serving: {}", lastError);
    return Outcome.REFUSED;
  }

  /** Returns why the last change was refused, or null when the last change was applied. */
  public String lastError() {
    return lastError;
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }

  /** Returns the file's SHA-256. */
  private static byte[] digest(Path file) throws IOException {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
