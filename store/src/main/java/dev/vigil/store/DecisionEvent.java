package dev.vigil.store;

import dev.vigil.rego.value.Json;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The full event of one logged decision: a JSON object, held either as JSON text or in the compact
 * form the decision point writes it in, and turned into JSON text only when it is read.
 *
 * <p>Why the compact form: every request through the gateway logs an event, and writing it as JSON
 * (sorting the keys of every object, checking every string for characters to escape) was the
 * largest part of the log writer's CPU time. The compact form is written in the order the values
 * come, with lengths instead of quotes and escapes; the keys are sorted and the strings escaped
 * when someone reads the event, which is rare next to writing it. {@link #json()} gives the same
 * text {@link Json#write} gives for the same value: keys sorted at every level, strings escaped as
 * Go's encoder escapes them.
 *
 * <p>The compact form is a sequence of values, each a tag byte and its content:
 *
 * <ul>
 *   <li>{@code 1} null, {@code 2} false, {@code 3} true;
 *   <li>{@code 4} string: its UTF-8 byte length as a varint, then the bytes; a lone surrogate is
 *       written as the three bytes of its code unit, as WTF-8 writes it, and read back as itself,
 *       so that the text escapes it and sorts it as {@link Json#write} does;
 *   <li>{@code 5} number: its JSON text, as a string is written;
 *   <li>{@code 6} integer: a zigzag varint;
 *   <li>{@code 7} time: seconds since the epoch as a zigzag varint, then nanoseconds as a varint;
 *       read as the string {@link Instant#toString()} gives;
 *   <li>{@code 8} object: members, each its key's byte length plus one as a varint, the key's bytes
 *       and the value; then a 0;
 *   <li>{@code 9} array: values, then a 0;
 *   <li>{@code 10} JSON: a value's JSON text, as a string is written, read as it is: an object or
 *       array nested deeper than {@value #MAX_DEPTH} levels is kept so, as {@link Json#write} gives
 *       it.
 * </ul>
 *
 * <p>Immutable and thread-safe; equal when their JSON text is equal.
 */
public final class DecisionEvent {

  static final int END = 0;
  static final int NULL = 1;
  static final int FALSE = 2;
  static final int TRUE = 3;
  static final int STRING = 4;
  static final int NUMBER = 5;
  static final int INTEGER = 6;
  static final int TIME = 7;
  static final int OBJECT = 8;
  static final int ARRAY = 9;
  static final int JSON = 10;

  /** Deepest nesting a compact event may have; the decision point's inputs are far shallower. */
  static final int MAX_DEPTH = 512;

  private final String text;
  private final byte[] compact;
  private String rendered;

  private DecisionEvent(String text, byte[] compact) {
    this.text = text;
    this.compact = compact;
    this.rendered = text;
  }

  /** An event given as JSON text, kept as it is. */
  public static DecisionEvent ofJson(String json) {
    return new DecisionEvent(Objects.requireNonNull(json, "eventJson"), null);
  }

  /**
   * An event in the compact form, as {@link Encoder} writes it.
   *
   * @throws Damage naming the byte where the form is damaged
   */
  static DecisionEvent ofCompact(byte[] compact) {
    new Cursor(compact, 0, compact.length).check();
    return new DecisionEvent(null, compact);
  }

  /** Starts an event in the compact form. */
  public static Encoder encoder() {
    return new Encoder();
  }

  /** The event as JSON text. */
  public String json() {
    String s = rendered;
    if (s == null) {
      StringBuilder sb = new StringBuilder(compact.length + compact.length / 2);
      Cursor c = new Cursor(compact, 0, compact.length);
      c.rememberEnds();
      c.render(sb, 0);
      s = sb.toString();
      rendered = s;
    }
    return s;
  }

  /** The JSON text when the event was given as text, else null. */
  String text() {
    return text;
  }

  /** The compact form when the event was written in it, else null. */
  byte[] compact() {
    return compact;
  }

  /** The most bytes the event can take in a stored record. */
  long storedBound() {
    return compact != null ? compact.length + 5L : 3L * text.length() + 5;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecisionEvent e && json().equals(e.json());
  }

  @Override
  public int hashCode() {
    return json().hashCode();
  }

  @Override
  public String toString() {
    return json();
  }

  /**
   * Writes one event in the compact form. Values are written in the order they come; an object's
   * members need no order. Not thread-safe; one encoder writes one event.
   */
  public static final class Encoder {
    private byte[] buf = new byte[512];
    private int pos;
    private int depth;

    private Encoder() {}

    /** Starts an object; members follow as {@link #key} then a value, until {@link #end}. */
    public Encoder startObject() {
      open(OBJECT);
      return this;
    }

    /** Starts an array; its values follow, until {@link #end}. */
    public Encoder startArray() {
      open(ARRAY);
      return this;
    }

    /** Ends the innermost object or array. */
    public Encoder end() {
      if (depth == 0) {
        throw new IllegalStateException("nothing to end");
      }
      depth--;
      put(END);
      return this;
    }

    /** The key of the next member of an object. */
    public Encoder key(String k) {
      text(k, 1);
      return this;
    }

    public Encoder string(String s) {
      put(STRING);
      text(s, 0);
      return this;
    }

    /** A number, as its JSON text. */
    public Encoder number(String jsonText) {
      put(NUMBER);
      text(jsonText, 0);
      return this;
    }

    public Encoder integer(long v) {
      put(INTEGER);
      varlong((v << 1) ^ (v >> 63));
      return this;
    }

    /**
     * A value as its JSON text, read back as it is: for an object or array that would nest deeper
     * than {@link #mayNest} allows.
     */
    public Encoder json(String jsonText) {
      put(JSON);
      text(jsonText, 0);
      return this;
    }

    /** A point to come back to with {@link #rewind}. */
    public long mark() {
      return (long) depth << 32 | pos;
    }

    /** Drops what was written since the mark, with the objects and arrays opened since. */
    public void rewind(long mark) {
      depth = (int) (mark >>> 32);
      pos = (int) mark;
    }

    /** Whether an object or array may start here: the compact form nests at most so deep. */
    public boolean mayNest() {
      return depth < MAX_DEPTH;
    }

    public Encoder bool(boolean b) {
      put(b ? TRUE : FALSE);
      return this;
    }

    public Encoder nul() {
      put(NULL);
      return this;
    }

    /** A point in time, read as the string {@link Instant#toString()} gives. */
    public Encoder time(Instant t) {
      put(TIME);
      long s = t.getEpochSecond();
      varlong((s << 1) ^ (s >> 63));
      varlong(t.getNano());
      return this;
    }

    /** The event written; every object and array must be ended. */
    public DecisionEvent done() {
      if (depth != 0) {
        throw new IllegalStateException(depth + " objects or arrays are not ended");
      }
      return new DecisionEvent(null, Arrays.copyOf(buf, pos));
    }

    private void open(int tag) {
      if (++depth > MAX_DEPTH) {
        throw new IllegalArgumentException("decision event nests deeper than " + MAX_DEPTH);
      }
      put(tag);
    }

    private void put(int b) {
      if (pos == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[pos++] = (byte) b;
    }

    private void varlong(long v) {
      room(10);
      while ((v & ~0x7fL) != 0) {
        buf[pos++] = (byte) ((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    /**
     * Writes a string's UTF-8 length plus {@code extra}, then its bytes. Most strings are ASCII:
     * they are copied as they are checked, in one pass, and only a string that turns out not to be
     * is written again as UTF-8.
     */
    private void text(String s, int extra) {
      int n = s.length();
      int start = pos;
      varlong((long) n + extra);
      room(n);
      byte[] b = buf;
      int at = pos;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          pos = start;
          byte[] utf8 = wtf8(s);
          varlong((long) utf8.length + extra);
          room(utf8.length);
          System.arraycopy(utf8, 0, buf, pos, utf8.length);
          pos += utf8.length;
          return;
        }
        b[at + i] = (byte) c;
      }
      pos = at + n;
    }

    private void room(int n) {
      if (buf.length - pos < n) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    /**
     * The string's UTF-8, with a lone surrogate kept as the three bytes WTF-8 gives it rather than
     * the '?' of {@link String#getBytes}.
     */
    private static byte[] wtf8(String s) {
      byte[] b = new byte[3 * s.length()];
      int n = 0;
      for (int i = 0; i < s.length(); ) {
        int c = s.codePointAt(i); // a lone surrogate comes as itself
        i += Character.charCount(c);
        if (c < 0x80) {
          b[n++] = (byte) c;
        } else if (c < 0x800) {
          b[n++] = (byte) (0xc0 | c >> 6);
          b[n++] = (byte) (0x80 | c & 0x3f);
        } else if (c < 0x10000) {
          b[n++] = (byte) (0xe0 | c >> 12);
          b[n++] = (byte) (0x80 | c >> 6 & 0x3f);
          b[n++] = (byte) (0x80 | c & 0x3f);
        } else {
          b[n++] = (byte) (0xf0 | c >> 18);
          b[n++] = (byte) (0x80 | c >> 12 & 0x3f);
          b[n++] = (byte) (0x80 | c >> 6 & 0x3f);
          b[n++] = (byte) (0x80 | c & 0x3f);
        }
      }
      return Arrays.copyOf(b, n);
    }
  }

  /** A member of an object being read: its key and where its value lies. */
  private record Member(String key, int from) {}

  private static final Comparator<Member> BY_KEY = Comparator.comparing(Member::key);

  /** Where and how a compact event is damaged. */
  static final class Damage extends IllegalArgumentException {
    private final int offset;
    private final String what;

    Damage(int offset, String what) {
      super("event byte " + offset + ": " + what);
      this.offset = offset;
      this.what = what;
    }

    /** The damaged byte, counted from the start of the event. */
    int offset() {
      return offset;
    }

    String what() {
      return what;
    }
  }

  /** Reads the compact form: checks it whole, or writes it as JSON. */
  static final class Cursor {
    private final byte[] data;
    private final int start;
    private final int limit;
    private int pos;

    /**
     * Where each object or array skipped so far ends, by where it starts (0 while unknown), when
     * rendering: an object skips its members' values to sort them, and its inner objects would skip
     * the same bytes again, a time of size times depth.
     */
    private int[] ends;

    /** Values stepped over or written so far: the work of a read, which tests bound. */
    private long steps;

    Cursor(byte[] data, int from, int to) {
      this.data = data;
      this.start = from;
      this.limit = to;
      this.pos = from;
    }

    void rememberEnds() {
      ends = new int[limit - start];
    }

    long steps() {
      return steps;
    }

    /** Checks that the bytes hold exactly one well-formed value. */
    void check() {
      skip(0);
      if (pos != limit) {
        throw damaged((limit - pos) + " bytes after the event");
      }
    }

    private Damage damaged(String what) {
      return new Damage(pos - start, what);
    }

    private int read() {
      if (pos >= limit) {
        throw damaged("the event ends early");
      }
      return data[pos++] & 0xff;
    }

    private long varlong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = read();
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw damaged("a number runs past 10 bytes");
    }

    private int length(long n) {
      if (n < 0 || n > limit - pos) {
        throw damaged("a string of " + n + " bytes runs past the end");
      }
      return (int) n;
    }

    private static long unzigzag(long v) {
      return (v >>> 1) ^ -(v & 1);
    }

    private Instant time() {
      long seconds = unzigzag(varlong());
      long nanos = varlong();
      if (nanos < 0 || nanos >= 1_000_000_000L) {
        throw damaged("nanoseconds " + nanos + " out of range");
      }
      try {
        return Instant.ofEpochSecond(seconds, nanos);
      } catch (DateTimeException e) {
        throw damaged("time " + seconds + " s out of range");
      }
    }

    /** Moves past one value, checking it. */
    private void skip(int depth) {
      steps++;
      if (depth > MAX_DEPTH) {
        throw damaged("nested deeper than " + MAX_DEPTH);
      }
      int at = pos;
      if (ends != null && at < limit && ends[at - start] != 0) {
        pos = ends[at - start];
        return;
      }
      int tag = read();
      switch (tag) {
        case NULL, FALSE, TRUE -> {}
        case STRING, NUMBER, JSON -> {
          int n = length(varlong());
          pos += n;
        }
        case INTEGER -> varlong();
        case TIME -> time();
        case OBJECT -> {
          long k;
          while ((k = varlong()) != 0) {
            int n = length(k - 1);
            pos += n;
            skip(depth + 1);
          }
          remember(at);
        }
        case ARRAY -> {
          while (peek() != END) {
            skip(depth + 1);
          }
          pos++;
          remember(at);
        }
        default -> {
          pos--;
          throw damaged("unknown tag " + tag);
        }
      }
    }

    private void remember(int at) {
      if (ends != null) {
        ends[at - start] = pos;
      }
    }

    private int peek() {
      if (pos >= limit) {
        throw damaged("the event ends early");
      }
      return data[pos] & 0xff;
    }

    /** Reads UTF-8; the three bytes of a surrogate (a lone one, as the encoder writes it) as it. */
    private String string(int n) {
      int from = pos;
      int to = pos + n;
      pos = to;
      String s = new String(data, from, n, StandardCharsets.UTF_8);
      if (s.indexOf('\ufffd') < 0) {
        return s;
      }
      StringBuilder sb = new StringBuilder(n);
      for (int i = from; i + 2 < to; i++) {
        // ED A0..BF 80..BF is U+D800..U+DFFF, which UTF-8 never holds; ED is never a continuation.
        if (data[i] == (byte) 0xed
            && (data[i + 1] & 0xe0) == 0xa0
            && (data[i + 2] & 0xc0) == 0x80) {
          sb.append(new String(data, from, i - from, StandardCharsets.UTF_8));
          sb.append((char) (0xd000 | (data[i + 1] & 0x3f) << 6 | data[i + 2] & 0x3f));
          i += 2;
          from = i + 1;
        }
      }
      return sb.append(new String(data, from, to - from, StandardCharsets.UTF_8)).toString();
    }

    /** Writes one value as JSON, as {@link Json#write} writes it. */
    void render(StringBuilder sb, int depth) {
      steps++;
      int tag = read();
      switch (tag) {
        case NULL -> sb.append("null");
        case FALSE -> sb.append("false");
        case TRUE -> sb.append("true");
        case STRING -> Json.quote(string(length(varlong())), sb);
        case NUMBER, JSON -> sb.append(string(length(varlong())));
        case INTEGER -> sb.append(unzigzag(varlong()));
        case TIME -> Json.quote(time().toString(), sb);
        case OBJECT -> object(sb, depth);
        case ARRAY -> {
          sb.append('[');
          boolean first = true;
          while (peek() != END) {
            if (!first) {
              sb.append(',');
            }
            first = false;
            render(sb, depth + 1);
          }
          pos++;
          sb.append(']');
        }
        default -> {
          pos--;
          throw damaged("unknown tag " + tag);
        }
      }
    }

    private void object(StringBuilder sb, int depth) {
      List<Member> members = new ArrayList<>();
      long k;
      while ((k = varlong()) != 0) {
        String key = string(length(k - 1));
        members.add(new Member(key, pos));
        skip(depth + 1);
      }
      int after = pos;
      // Stable: keys that read alike (an object keyed by 1 and by "1") keep their order.
      members.sort(BY_KEY);
      sb.append('{');
      for (int i = 0; i < members.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        Member m = members.get(i);
        Json.quote(m.key(), sb);
        sb.append(':');
        pos = m.from();
        render(sb, depth + 1);
      }
      pos = after;
      sb.append('}');
    }
  }
}
