package dev.vigil.httpkit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Checks the JSON of a compact JWS (RFC 7515 §7.1) before a JOSE library reads it: its header and
 * its payload must each be JSON in which no object names a member twice ({@link StrictJson}), and
 * the header must carry no {@code crit} parameter. Vigil understands no extension to JWS, so by RFC
 * 7515 §4.1.11 a token that marks any parameter critical cannot be processed; it is refused saying
 * so, rather than failing later as a signature that "does not verify". Stateless and thread-safe.
 */
public final class CompactJws {

  /** A header that lists critical parameters (RFC 7515 §4.1.11), none of which Vigil knows. */
  public static final class CriticalHeader extends IllegalArgumentException {

    CriticalHeader(String message) {
      super(message);
    }
  }

  private CompactJws() {}

  /**
   * Checks the header and the JSON payload of {@code token}.
   *
   * @param document what the token is, for messages (such as {@code "posture report"})
   * @throws StrictJson.Refused when the token is not three base64url parts, or its header or
   *     payload is not JSON or repeats a key
   * @throws CriticalHeader when the header has a {@code crit} parameter
   */
  public static void check(String document, String token) {
    String[] parts = parts(document, token);
    Set<String> header = StrictJson.topLevelKeys(document + " header", decode(document, parts[0]));
    StrictJson.requireUniqueKeys(document + " payload", decode(document, parts[1]));
    if (header.contains("crit")) {
      throw new CriticalHeader(
          document
              + ": header marks parameters critical (crit), and Vigil understands no JWS"
              + " extension (RFC 7515 §4.1.11)");
    }
  }

  private static String[] parts(String document, String token) {
    String[] parts = token == null ? new String[0] : token.strip().split("\\.", -1);
    if (parts.length != 3) {
      throw new StrictJson.Refused(
          document + ": not a compact JWS of three dot-separated parts", null);
    }
    return parts;
  }

  private static String decode(String document, String part) {
    try {
      return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new StrictJson.Refused(document + ": a part is not base64url", null);
    }
  }
}
