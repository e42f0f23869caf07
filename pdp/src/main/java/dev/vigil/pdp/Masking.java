package dev.vigil.pdp;

import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes or masks fields of the input before it is written to the decision log, so that secrets
 * and personal data stay out of it. Paths are written {@code /input/user/password} (JSON pointer
 * below the event) or {@code input.user.password}.
 *
 * @param erase paths removed from the event; listed in its {@code erased} field
 * @param mask paths whose value is replaced by {@code "**REDACTED**"}; listed in {@code masked}
 */
public record Masking(List<String> erase, List<String> mask) {

  public static final String REDACTED = "**REDACTED**";

  private static final StringValue REDACTED_VALUE = StringValue.of(REDACTED);

  /**
   * Credentials that the external-authorization endpoints pass to policy in the input; every
   * decision point masks them (docs/policy-input.md, "Headers").
   */
  public static final List<String> CREDENTIAL_HEADERS =
      List.of(
          "/input/request/headers/authorization",
          "/input/request/headers/cookie",
          "/input/request/headers/proxy-authorization");

  /** A string step of a ref, {@code ["x-api-key"]}, which masks name as {@code .x-api-key}. */
  private static final Pattern STRING_STEP = Pattern.compile("\\[\"([^\"\\\\\\]]*)\"\\]");

  public Masking {
    erase.forEach(Masking::check);
    mask.forEach(Masking::check);
    erase = List.copyOf(erase);
    mask = List.copyOf(mask);
  }

  /**
   * Checks a path as a mask or erasure names it: a JSON pointer ({@code /input/user/password}, or
   * relative to the input: {@code /user/password}) or a dotted path ({@code input.user.password}).
   * A path with a slash but none in front, or with an empty step, would mask nothing, and so
   * silently log what was meant to be hidden.
   *
   * @throws IllegalArgumentException naming the path and what is wrong with it
   */
  public static void check(String path) {
    String p = path.trim();
    if (p.isEmpty()) {
      throw new IllegalArgumentException("mask path is empty");
    }
    if (!p.startsWith("/") && p.contains("/")) {
      throw new IllegalArgumentException(
          "mask path \""
              + path
              + "\" has a / but does not start with one: write a JSON pointer as /"
              + p
              + " or a dotted path as "
              + p.replace('/', '.'));
    }
    List<String> steps = parse(p);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException(
          "mask path \"" + path + "\" names the whole input: name a field inside it");
    }
    if (steps.contains("")) {
      throw new IllegalArgumentException(
          "mask path \"" + path + "\" has an empty step: it would mask nothing");
    }
  }

  public static Masking none() {
    return new Masking(List.of(), List.of());
  }

  /** Returns this masking with {@link #CREDENTIAL_HEADERS} masked too, unless already named. */
  public Masking withCredentialHeaders() {
    List<String> named = new ArrayList<>();
    erase.forEach(p -> named.add(canonical(p)));
    mask.forEach(p -> named.add(canonical(p)));
    List<String> more = new ArrayList<>(mask);
    for (String h : CREDENTIAL_HEADERS) {
      if (!named.contains(h)) {
        more.add(h);
      }
    }
    return more.size() == mask.size() ? this : new Masking(erase, more);
  }

  /**
   * Returns true when a ref written in a policy (such as {@code input.user.password}) reads a
   * masked or erased field, or something inside one; explanations then hide its value.
   */
  public boolean hides(String refText) {
    for (String p : erase) {
      if (covers(p, refText)) {
        return true;
      }
    }
    for (String p : mask) {
      if (covers(p, refText)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns true when an expression's text reads a masked or erased field anywhere inside it: as an
   * argument of a call ({@code lower(input.request.headers.authorization)}), in a comprehension or
   * an array; explanations then hide the value computed from it.
   */
  public boolean mentions(String termText) {
    String t =
        STRING_STEP.matcher(termText).replaceAll(m -> "." + Matcher.quoteReplacement(m.group(1)));
    for (List<String> paths : List.of(erase, mask)) {
      for (String p : paths) {
        String dotted = "input." + String.join(".", steps(p));
        for (int i = t.indexOf(dotted); i >= 0; i = t.indexOf(dotted, i + 1)) {
          int end = i + dotted.length();
          boolean starts = i == 0 || !(refChar(t.charAt(i - 1)) || t.charAt(i - 1) == '.');
          if (starts && (end == t.length() || !refChar(t.charAt(end)))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean refChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean covers(String path, String refText) {
    String dotted = "input." + String.join(".", steps(path));
    refText =
        STRING_STEP.matcher(refText).replaceAll(m -> "." + Matcher.quoteReplacement(m.group(1)));
    return refText.equals(dotted)
        || refText.startsWith(dotted + ".")
        || refText.startsWith(dotted + "[")
        || refText.equals("input");
  }

  /**
   * Returns the values of the input at the masked and erased paths, so that an explanation can hide
   * a copy of one held in a local variable, which {@link #hides} cannot see by name.
   */
  public Set<Value> hiddenValues(Value input) {
    Set<Value> out = null;
    for (List<String> paths : List.of(erase, mask)) {
      for (String p : paths) {
        Value v = input;
        for (StringValue key : keys(p)) {
          v = v instanceof ObjectValue o ? o.get(key) : null;
        }
        if (v != null) {
          if (out == null) {
            out = new HashSet<>();
          }
          out.add(v);
        }
      }
    }
    return out == null ? Collections.emptySet() : out;
  }

  /** What was done to an input. */
  public record Result(Value input, List<String> erased, List<String> masked) {}

  /** Returns the input with the configured paths erased or masked. */
  public Result apply(Value input) {
    if (input == null || (erase.isEmpty() && mask.isEmpty())) {
      return new Result(input, List.of(), List.of());
    }
    Value v = input;
    List<String> erased = new ArrayList<>();
    List<String> masked = new ArrayList<>();
    for (String p : erase) {
      Value next = edit(v, keys(p), 0, null);
      if (next != v) {
        erased.add(canonical(p));
        v = next;
      }
    }
    for (String p : mask) {
      Value next = edit(v, keys(p), 0, REDACTED_VALUE);
      if (next != v) {
        masked.add(canonical(p));
        v = next;
      }
    }
    return new Result(v, erased, masked);
  }

  private static String canonical(String p) {
    return "/input/" + String.join("/", steps(p));
  }

  /**
   * Each path this process has masked or erased, parsed once into its steps and the keys that look
   * them up: paths come from configuration, so there are few, and parsing them again for every
   * logged decision was a tenth of the log writer's time.
   */
  private record Parsed(List<String> steps, List<StringValue> keys) {}

  private static final Map<String, Parsed> PARSED = new ConcurrentHashMap<>();

  private static Parsed parsed(String path) {
    Parsed known = PARSED.get(path);
    if (known != null) {
      return known;
    }
    List<String> steps = List.copyOf(parse(path));
    Parsed p = new Parsed(steps, steps.stream().map(StringValue::of).toList());
    if (PARSED.size() < 1_000) {
      PARSED.put(path, p);
    }
    return p;
  }

  private static List<String> steps(String path) {
    return parsed(path).steps();
  }

  private static List<StringValue> keys(String path) {
    return parsed(path).keys();
  }

  private static List<String> parse(String path) {
    String p = path.trim();
    String[] parts;
    if (p.startsWith("/")) {
      parts = p.substring(1).split("/");
    } else {
      parts = p.split("\\.");
    }
    List<String> out = new ArrayList<>(List.of(parts));
    if (!out.isEmpty() && out.get(0).equals("input")) {
      out.remove(0);
    }
    return out;
  }

  /** Returns v with the value at keys removed (replacement null) or replaced; v if absent. */
  private static Value edit(Value v, List<StringValue> keys, int i, Value replacement) {
    if (!(v instanceof ObjectValue o) || i >= keys.size()) {
      return v;
    }
    StringValue key = keys.get(i);
    Value child = o.get(key);
    if (child == null) {
      return v;
    }
    boolean last = i == keys.size() - 1;
    Value edited = last ? replacement : edit(child, keys, i + 1, replacement);
    if (!last && edited == child) {
      // Nothing below was there to edit: the object is kept, not copied (this runs for every
      // logged decision, and the credential headers are usually absent).
      return v;
    }
    Map<Value, Value> m = new HashMap<>(o.asMap());
    if (edited == null) {
      m.remove(key);
    } else {
      m.put(key, edited);
    }
    return ObjectValue.wrap(m);
  }
}
