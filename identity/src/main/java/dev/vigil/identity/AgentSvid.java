package dev.vigil.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;

/**
 * The agent's own X.509-SVID: obtained once with a join token, kept in a directory ({@code
 * svid.pem}, {@code svid.key} at 0600) so that a restarted agent resumes without a new token, and
 * renewed at half its lifetime by showing the current one. Thread-safe.
 */
public final class AgentSvid {

  private final JoinTokens tokens;
  private final Path dir;
  private final InstantSource clock;
  private volatile X509Svid current;

  private AgentSvid(JoinTokens tokens, Path dir, InstantSource clock, X509Svid first) {
    this.tokens = tokens;
    this.dir = dir;
    this.clock = clock;
    this.current = first;
  }

  /**
   * Redeems {@code token} and stores the agent's first SVID in {@code dir}.
   *
   * @throws JoinTokenException when the token is unknown, used or expired
   */
  public static AgentSvid join(JoinTokens tokens, String token, Path dir, InstantSource clock) {
    AgentSvid a = new AgentSvid(tokens, dir, clock, tokens.redeem(token));
    a.save();
    return a;
  }

  /**
   * Resumes with the SVID stored in {@code dir} and renews it at once, which also proves it is
   * still valid and not revoked.
   *
   * @throws IllegalStateException saying what to do when there is none or it no longer passes
   */
  public static AgentSvid resume(JoinTokens tokens, Path dir, InstantSource clock) {
    Path pem = dir.resolve("svid.pem");
    if (!Files.exists(pem)) {
      throw new IllegalStateException(
          "the agent has no SVID in " + dir + "; join once with --join-token TOKEN");
    }
    X509Svid stored = read(dir);
    try {
      AgentSvid a = new AgentSvid(tokens, dir, clock, tokens.renew(stored));
      a.save();
      return a;
    } catch (SvidRejectedException e) {
      throw new IllegalStateException(
          "the agent's stored SVID in "
              + dir
              + " is no longer accepted ("
              + e.getMessage()
              + "); join again with a new --join-token");
    }
  }

  public X509Svid current() {
    return current;
  }

  public SpiffeId id() {
    return current.id();
  }

  /**
   * Renews the SVID once half its lifetime has passed.
   *
   * @return true when a new SVID was obtained
   * @throws SvidRejectedException when the current SVID was revoked or has expired
   */
  public synchronized boolean renewIfDue() throws SvidRejectedException {
    X509Svid s = current;
    Instant born = s.leaf().getNotBefore().toInstant();
    Duration life = Duration.between(born, s.expiry());
    if (clock.instant().isBefore(born.plus(life.dividedBy(2)))) {
      return false;
    }
    current = tokens.renew(s);
    save();
    return true;
  }

  private void save() {
    try {
      Files.createDirectories(dir);
      X509Svid s = current;
      write(dir.resolve("svid.key"), s.privateKeyPem());
      write(dir.resolve("svid.pem"), s.chainPem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the agent's SVID in " + dir, e);
    }
  }

  private static void write(Path target, String text) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Svid read(Path dir) {
    try {
      List<java.security.cert.X509Certificate> chain =
          Certificates.readPem(Files.readString(dir.resolve("svid.pem")));
      String keyPem = Files.readString(dir.resolve("svid.key"));
      byte[] der =
          Base64.getMimeDecoder()
              .decode(keyPem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
      var key = Certificates.privateKey(der, chain.getFirst().getPublicKey().getAlgorithm());
      SpiffeId id = SpiffeId.parse(X509SvidValidator.uriSans(chain.getFirst()).getFirst());
      return new X509Svid(id, chain, key);
    } catch (IOException | SvidRejectedException | RuntimeException e) {
      throw new IllegalStateException(
          "the agent's SVID in "
              + dir
              + " cannot be read ("
              + e.getMessage()
              + "); join again with a new --join-token");
    }
  }
}
