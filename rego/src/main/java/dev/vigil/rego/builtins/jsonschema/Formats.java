package dev.vigil.rego.builtins.jsonschema;

import com.google.re2j.Pattern;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/** The "format" checks gojsonschema knows; an unknown format always matches. */
final class Formats {

  private static final Pattern HOSTNAME =
      Pattern.compile(
          "^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])"
              + "(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9]))*\\.?$");
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
  private static final Pattern TIME =
      Pattern.compile(
          "^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
              + "([zZ]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$");
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  private static final Pattern IPV4 =
      Pattern.compile(
          "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
  private static final Pattern JSON_POINTER = Pattern.compile("^(/([^/~]|~[01])*)*$");

  private Formats() {}

  static boolean matches(String format, String s) {
    return switch (format) {
      case "date-time" -> dateTime(s);
      case "date" -> date(s);
      case "time" -> TIME.matcher(s).matches();
      case "email", "idn-email" -> EMAIL.matcher(s).matches();
      case "hostname", "idn-hostname" -> s.length() <= 255 && HOSTNAME.matcher(s).matches();
      case "ipv4" -> IPV4.matcher(s).matches();
      case "ipv6" -> s.contains(":") && ipv6(s);
      case "uri", "iri" -> uri(s, true);
      case "uri-reference", "iri-reference", "uri-template" -> uri(s, false);
      case "uuid" -> UUID_TEXT.matcher(s).matches() && uuid(s);
      case "regex" -> regex(s);
      case "json-pointer" -> JSON_POINTER.matcher(s).matches();
      default -> true;
    };
  }

  private static boolean dateTime(String s) {
    try {
      OffsetDateTime.parse(s.replace('t', 'T').replace('z', 'Z'));
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean date(String s) {
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** Checks RFC 4291 text form: eight hex groups, one "::" at most, an IPv4 tail allowed. */
  private static boolean ipv6(String s) {
    int compress = s.indexOf("::");
    if (compress >= 0 && s.indexOf("::", compress + 1) >= 0) {
      return false;
    }
    String[] groups = s.replace("::", ":x:").split(":", -1);
    int count = 0;
    for (int i = 0; i < groups.length; i++) {
      String g = groups[i];
      if (g.equals("x")) {
        continue;
      }
      if (g.isEmpty()) {
        if ((i == 0 && s.startsWith("::")) || (i == groups.length - 1 && s.endsWith("::"))) {
          continue;
        }
        return false;
      }
      if (i == groups.length - 1 && g.contains(".")) {
        if (!IPV4.matcher(g).matches()) {
          return false;
        }
        count += 2;
        continue;
      }
      if (g.length() > 4 || !g.matches("[0-9a-fA-F]+")) {
        return false;
      }
      count++;
    }
    return compress >= 0 ? count < 8 : count == 8;
  }

  private static boolean uri(String s, boolean absolute) {
    try {
      URI u = new URI(s);
      return !absolute || u.isAbsolute();
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static boolean uuid(String s) {
    try {
      UUID.fromString(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean regex(String s) {
    try {
      Pattern.compile(s);
      return true;
    } catch (com.google.re2j.PatternSyntaxException e) {
      return false;
    }
  }
}
