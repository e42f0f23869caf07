package dev.vigil.identity;

import java.util.regex.Pattern;

/**
 * The rule for a DNS name an X.509-SVID may carry beside its SPIFFE ID: a lower-case host name of
 * letters, digits and inner hyphens (RFC 1123, section 2.1), at most 253 characters. The
 * certificate stores it as an IA5String (RFC 5280, section 4.2.1.6), so anything else would be
 * written wrongly or refused by the peers that read it.
 */
final class DnsName {

  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)"
              + "(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  private DnsName() {}

  /**
   * Checks every name of {@code names}.
   *
   * @throws IllegalArgumentException quoting the first name that is not a lower-case host name
   */
  static void check(Iterable<String> names) {
    for (String name : names) {
      if (name == null || !HOST_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "DNS name \"" + name + "\" is not a lower-case host name");
      }
    }
  }
}
