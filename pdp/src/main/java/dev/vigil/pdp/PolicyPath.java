package dev.vigil.pdp;

import dev.vigil.rego.value.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A policy path as callers write it: {@code authz/allow} (the REST form), {@code /authz/allow} or
 * {@code data.authz.allow}. Turned into the Rego query {@code data.authz.allow}.
 *
 * <p>In the slash form a segment is percent-decoded after the path is split at its slashes, as
 * OPA's {@code /v1/data/{path}} does: {@code a%2Fb} is the one key {@code "a/b"}, not {@code
 * data.a.b}. {@link #slashed()} escapes {@code %} and {@code /} again, so that the decision log
 * tells those two documents apart.
 *
 * <p>A slash-form segment that is an integer ({@code 0}, {@code 01}, {@code -1}, {@code +2}) is a
 * number in the query, as in OPA's {@code /v1/data/{path}}: {@code list/0} is {@code data.list[0]},
 * the first element where {@code data.list} is an array. Over base data the number also finds the
 * object key written in decimal ({@code "0"}, but {@code "1"} for {@code 01}), as OPA's storage
 * does; an object a rule built is read with Rego's typed keys, so a string key {@code "0"} there is
 * undefined. The segments themselves keep the text as asked, so the decision log records {@code
 * list/01}, not {@code list/1}.
 *
 * <p>Immutable; equal when the segments are.
 */
public final class PolicyPath {

  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SEGMENT = Pattern.compile("[^\\x00-\\x1f]+");

  /** What Go's strconv.Atoi accepts: an optional sign and ASCII digits (no dot, no exponent). */
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

  private final List<String> segments;
  private final String slashed;

  /**
   * @param segments the path's segments below {@code data}
   */
  public PolicyPath(List<String> segments) {
    this.segments = List.copyOf(segments);
    // Made once: every decision carries it and the log and metrics key on it.
    StringBuilder sb = new StringBuilder();
    for (String s : this.segments) {
      if (!sb.isEmpty()) {
        sb.append('/');
      }
      sb.append(s.replace("%", "%25").replace("/", "%2F"));
    }
    this.slashed = sb.toString();
  }

  /** Returns the path's segments below {@code data}. */
  public List<String> segments() {
    return segments;
  }

  /** Parses a path; throws {@link IllegalArgumentException} naming it when malformed. */
  public static PolicyPath parse(String text) {
    String t = text.trim();
    List<String> segs = new ArrayList<>();
    if (t.startsWith("data.") || t.equals("data")) {
      if (t.endsWith(".") || t.contains("..")) {
        // split() would drop the empty step, and "data." would silently name every path.
        throw new IllegalArgumentException("policy path \"" + text + "\" has an empty step");
      }
      String rest = t.length() > 4 ? t.substring(5) : "";
      for (String s : rest.isEmpty() ? new String[0] : rest.split("\\.")) {
        if (!IDENT.matcher(s).matches()) {
          throw new IllegalArgumentException(
              "policy path \""
                  + text
                  + "\": \""
                  + s
                  + "\" is not a Rego name; write the path "
                  + "with slashes instead, like authz/allow");
        }
        segs.add(s);
      }
      return new PolicyPath(List.copyOf(segs));
    }
    for (String s : t.split("/")) {
      if (s.isEmpty()) {
        continue;
      }
      String decoded = decode(text, s);
      if (!SEGMENT.matcher(decoded).matches()) {
        throw new IllegalArgumentException("policy path \"" + text + "\" has an invalid segment");
      }
      refuseQuote("policy path \"" + text + "\"", decoded);
      segs.add(decoded);
    }
    return new PolicyPath(List.copyOf(segs));
  }

  /**
   * Returns the path of a request's segments, already split at the slashes and decoded, as OPA's
   * {@code /v1/data/{path}} reads them; throws {@link IllegalArgumentException} naming the path
   * asked when a segment holds a double quote.
   *
   * @param asked the path as the request gave it, for the error
   */
  public static PolicyPath ofRequest(String asked, List<String> segments) {
    for (String s : segments) {
      refuseQuote("invalid path \"" + asked + "\"", s);
    }
    return new PolicyPath(segments);
  }

  /**
   * Refuses a segment holding {@code "}, as OPA's server does when it turns a URL path into a ref
   * ({@code stringPathToRef}: "invalid ref term"), so that a path OPA answers with an error is not
   * read as a key here.
   */
  private static void refuseQuote(String what, String segment) {
    if (segment.indexOf('"') >= 0) {
      throw new IllegalArgumentException(
          what
              + ": invalid ref term '"
              + segment
              + "' (a path segment cannot hold a double quote)");
    }
  }

  /** Percent-decodes one segment (RFC 3986 section 2.1); a {@code +} stays a plus. */
  private static String decode(String text, String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "policy path \"" + text + "\": segment \"" + segment + "\" has a bad percent-encoding");
    }
  }

  /**
   * Returns the path with slashes, as the decision log and REST API show it; a {@code %} or {@code
   * /} inside a segment is written {@code %25} or {@code %2F}.
   */
  public String slashed() {
    return slashed;
  }

  /** Returns the Rego ref: {@code data.a.b}, {@code data.a["b-c"]} or {@code data.list[0]}. */
  public String query() {
    StringBuilder sb = new StringBuilder("data");
    for (String s : segments) {
      Long index = integer(s);
      if (index != null) {
        sb.append('[').append(index).append(']');
      } else if (IDENT.matcher(s).matches()) {
        sb.append('.').append(s);
      } else {
        sb.append('[').append(Json.quote(s)).append(']');
      }
    }
    return sb.toString();
  }

  /**
   * Returns the segment as the integer OPA makes of it, or null when it stays a string: one that
   * does not fit in 64 bits is a string key to OPA too.
   */
  static Long integer(String segment) {
    if (!INTEGER.matcher(segment).matches()) {
      return null;
    }
    try {
      return Long.parseLong(segment);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Returns true when this path is {@code prefix} or lies under it. */
  public boolean startsWith(PolicyPath prefix) {
    return segments.size() >= prefix.segments.size()
        && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyPath other && segments.equals(other.segments);
  }

  @Override
  public int hashCode() {
    return segments.hashCode();
  }

  @Override
  public String toString() {
    return slashed;
  }
}
