package dev.vigil.identity;

import static dev.vigil.identity.SpiffeIdException.Problem;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A SPIFFE ID, {@code spiffe://trust-domain/path}, parsed and built strictly to the SPIFFE ID
 * specification (sections 2 and 2.2).
 *
 * <p>There is exactly one spelling of each ID: the scheme and trust domain are lower case, the path
 * is case-sensitive, and nothing is decoded or normalised. Percent-encoding, empty segments, dot
 * segments, a trailing slash, user info, a port, an IP literal, a query and a fragment are all
 * refused, so two IDs are the same identity exactly when their strings are equal. Immutable.
 *
 * @param trustDomain the trust domain
 * @param path the path, empty for the trust domain's own ID, otherwise starting with '/'
 */
public record SpiffeId(TrustDomain trustDomain, String path) {

  /** Longest SPIFFE ID in bytes (SPIFFE ID specification, section 2.3). */
  public static final int MAX_LENGTH = 2048;

  private static final String SCHEME = "spiffe://";

  /** Validates the path; see {@link #of} and {@link #fromPath} to build an ID. */
  public SpiffeId {
    if (trustDomain == null) {
      throw new SpiffeIdException(Problem.MISSING_TRUST_DOMAIN, "trust domain is missing");
    }
    if (path == null) {
      throw new SpiffeIdException(Problem.EMPTY, "path is missing; use \"\" for none");
    }
    checkPath(path, SCHEME + trustDomain.name() + path);
    checkLength(SCHEME + trustDomain.name() + path);
  }

  /**
   * Parses a SPIFFE ID.
   *
   * @throws SpiffeIdException naming the input and what is wrong with it
   */
  public static SpiffeId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new SpiffeIdException(Problem.EMPTY, "SPIFFE ID is empty");
    }
    checkLength(text);
    if (!text.startsWith(SCHEME)) {
      if (text.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
        throw new SpiffeIdException(
            Problem.UPPER_CASE_SCHEME,
            "\"" + TrustDomain.abbreviate(text) + "\": scheme must be \"spiffe\" in lower case");
      }
      throw new SpiffeIdException(
          Problem.WRONG_SCHEME,
          "\"" + TrustDomain.abbreviate(text) + "\": scheme must be \"spiffe://\"");
    }
    String rest = text.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    checkQueryAndFragment(authority, text);
    TrustDomain.check(authority, text);
    checkPath(path, text);
    return new SpiffeId(new TrustDomain(authority), path);
  }

  /**
   * Builds an ID from path segments, each checked on its own: a segment holding '/', an empty
   * segment and the segments "." and ".." are refused, never joined or normalised.
   *
   * @throws SpiffeIdException naming the segment and what is wrong with it
   */
  public static SpiffeId of(TrustDomain trustDomain, String... segments) {
    return of(trustDomain, List.of(segments));
  }

  /** Builds an ID from path segments; see {@link #of(TrustDomain, String...)}. */
  public static SpiffeId of(TrustDomain trustDomain, List<String> segments) {
    StringBuilder path = new StringBuilder();
    for (String segment : segments) {
      checkSegment(segment);
      path.append('/').append(segment);
    }
    return new SpiffeId(trustDomain, path.toString());
  }

  /**
   * Builds an ID from a path such as {@code /ns/prod/sa/web}, checked as {@link #parse} does.
   *
   * @throws SpiffeIdException naming the path and what is wrong with it
   */
  public static SpiffeId fromPath(TrustDomain trustDomain, String path) {
    return new SpiffeId(trustDomain, path);
  }

  /** Returns true for the trust domain's own ID, which has no path and names no workload. */
  public boolean isTrustDomainId() {
    return path.isEmpty();
  }

  /** Returns the path segments, empty for the trust domain's own ID. */
  public List<String> segments() {
    return path.isEmpty() ? List.of() : List.of(path.substring(1).split("/", -1));
  }

  /** Returns true when this ID belongs to {@code td}. */
  public boolean memberOf(TrustDomain td) {
    return trustDomain.equals(td);
  }

  @Override
  public String toString() {
    return SCHEME + trustDomain.name() + path;
  }

  private static void checkLength(String text) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_LENGTH) {
      throw new SpiffeIdException(
          Problem.TOO_LONG,
          "\""
              + TrustDomain.abbreviate(text)
              + "\": SPIFFE ID is "
              + bytes
              + " bytes, longer than the "
              + MAX_LENGTH
              + " allowed");
    }
  }

  private static void checkQueryAndFragment(String authority, String text) {
    // A query or fragment in the authority ("spiffe://td?x") is caught here; in the path,
    // checkPath reports it.
    if (authority.indexOf('?') >= 0) {
      throw queryError(text);
    }
    if (authority.indexOf('#') >= 0) {
      throw fragmentError(text);
    }
  }

  private static void checkPath(String path, String text) {
    if (path.isEmpty()) {
      return;
    }
    String quoted = "\"" + TrustDomain.abbreviate(text) + "\": ";
    if (path.charAt(0) != '/') {
      throw new SpiffeIdException(Problem.BAD_PATH_CHAR, quoted + "path must start with '/'");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?') {
        throw queryError(text);
      }
      if (c == '#') {
        throw fragmentError(text);
      }
      if (c == '%') {
        throw new SpiffeIdException(
            Problem.PERCENT_ENCODING, quoted + "percent-encoding is not allowed in the path");
      }
    }
    if (path.endsWith("/")) {
      throw new SpiffeIdException(Problem.TRAILING_SLASH, quoted + "path must not end with '/'");
    }
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      checkSegmentIn(path.substring(start, end), quoted);
      start = end + 1;
    }
  }

  private static void checkSegment(String segment) {
    if (segment == null) {
      throw new SpiffeIdException(Problem.EMPTY_SEGMENT, "path segment is null");
    }
    String quoted = "path segment \"" + TrustDomain.abbreviate(segment) + "\": ";
    if (segment.indexOf('/') >= 0) {
      throw new SpiffeIdException(
          Problem.SLASH_IN_SEGMENT, quoted + "a segment must not contain '/'");
    }
    if (segment.indexOf('%') >= 0) {
      throw new SpiffeIdException(
          Problem.PERCENT_ENCODING, quoted + "percent-encoding is not allowed in the path");
    }
    checkSegmentIn(segment, quoted);
  }

  private static void checkSegmentIn(String segment, String quoted) {
    if (segment.isEmpty()) {
      throw new SpiffeIdException(Problem.EMPTY_SEGMENT, quoted + "path has an empty segment");
    }
    if (segment.equals(".") || segment.equals("..")) {
      throw new SpiffeIdException(
          Problem.DOT_SEGMENT, quoted + "path segment \"" + segment + "\" is not allowed");
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (!isPathChar(c)) {
        throw new SpiffeIdException(
            Problem.BAD_PATH_CHAR,
            quoted
                + "path contains "
                + TrustDomain.quoteChar(c)
                + "; only a-z, A-Z, 0-9, '.', '-' and '_' are allowed");
      }
    }
  }

  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '-'
        || c == '_';
  }

  private static SpiffeIdException queryError(String text) {
    return new SpiffeIdException(
        Problem.QUERY, "\"" + TrustDomain.abbreviate(text) + "\": a query is not allowed");
  }

  private static SpiffeIdException fragmentError(String text) {
    return new SpiffeIdException(
        Problem.FRAGMENT, "\"" + TrustDomain.abbreviate(text) + "\": a fragment is not allowed");
  }
}
