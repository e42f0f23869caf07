package dev.vigil.identity;

import static dev.vigil.identity.SpiffeIdException.Problem;

/**
 * A SPIFFE trust domain name, such as {@code prod.example}: the authority part of a SPIFFE ID.
 *
 * <p>Per the SPIFFE ID specification (section 2.1) the name holds only lower-case letters, digits,
 * dots, dashes and underscores, and is at most 255 bytes. Vigil refuses upper case outright rather
 * than folding it, so that one trust domain has exactly one spelling. Immutable.
 */
public record TrustDomain(String name) {

  /** Longest trust domain name, in bytes (SPIFFE ID specification, section 2.1). */
  public static final int MAX_LENGTH = 255;

  /** Validates {@code name}; use {@link #parse} to accept a {@code spiffe://} form too. */
  public TrustDomain {
    check(name, name);
  }

  /**
   * Parses a trust domain name, or the trust-domain ID {@code spiffe://name}.
   *
   * @throws SpiffeIdException naming the input and what is wrong
   */
  public static TrustDomain parse(String text) {
    if (text != null && text.contains("://")) {
      SpiffeId id = SpiffeId.parse(text);
      if (!id.path().isEmpty()) {
        throw new SpiffeIdException(
            Problem.HAS_PATH,
            "trust domain \"" + text + "\" has a path; give the name only, e.g. example.org");
      }
      return id.trustDomain();
    }
    return new TrustDomain(text);
  }

  /** Returns the trust domain's own SPIFFE ID, {@code spiffe://name}. */
  public SpiffeId id() {
    return new SpiffeId(this, "");
  }

  /** Checks a trust domain name found in {@code input}, which is quoted in errors. */
  static void check(String name, String input) {
    if (name == null || name.isEmpty()) {
      throw new SpiffeIdException(
          Problem.MISSING_TRUST_DOMAIN, "\"" + input + "\": trust domain is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new SpiffeIdException(
          Problem.TRUST_DOMAIN_TOO_LONG,
          "\""
              + abbreviate(input)
              + "\": trust domain is "
              + name.length()
              + " bytes, longer than the "
              + MAX_LENGTH
              + " allowed");
    }
    if (name.indexOf('@') >= 0) {
      throw new SpiffeIdException(
          Problem.USERINFO,
          "\"" + abbreviate(input) + "\": user info is not allowed in a trust domain");
    }
    if (name.startsWith("[")) {
      throw new SpiffeIdException(
          Problem.IP_LITERAL, "\"" + abbreviate(input) + "\": IP literals are not allowed");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (isTrustDomainChar(c)) {
        continue;
      }
      throw new SpiffeIdException(problemOf(name, c), describe(name, input, c, i));
    }
  }

  private static Problem problemOf(String name, char c) {
    if (c >= 'A' && c <= 'Z') {
      return Problem.UPPER_CASE_TRUST_DOMAIN;
    }
    return switch (c) {
      case ':' -> Problem.PORT;
      case '[', ']' -> Problem.IP_LITERAL;
      case '%' -> Problem.PERCENT_ENCODING;
      default -> Problem.BAD_TRUST_DOMAIN_CHAR;
    };
  }

  private static String describe(String name, String input, char c, int at) {
    String head = "\"" + abbreviate(input) + "\": ";
    if (c >= 'A' && c <= 'Z') {
      return head + "trust domain \"" + name + "\" must be lower case";
    }
    return head
        + switch (c) {
          case '@' -> "user info is not allowed in a trust domain";
          case ':' ->
              name.startsWith("[") ? "IP literals are not allowed" : "a port is not allowed";
          case '[', ']' -> "IP literals are not allowed";
          case '%' -> "percent-encoding is not allowed in a trust domain";
          default ->
              "trust domain contains "
                  + quoteChar(c)
                  + " at offset "
                  + at
                  + "; only a-z, 0-9, '.', '-' and '_' are allowed";
        };
  }

  static boolean isTrustDomainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  }

  static String quoteChar(char c) {
    if (c < 0x20 || c >= 0x7f) {
      return String.format("U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 100) + "…(" + s.length() + " chars)";
  }

  @Override
  public String toString() {
    return name;
  }
}
