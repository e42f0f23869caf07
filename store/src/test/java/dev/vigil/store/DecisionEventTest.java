package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compact event: read back, it is the JSON text Json.write gives for the same document (keys
 * sorted at every level, Go's escaping), and damage is named by byte.
 */
class DecisionEventTest {

  private static final String ALPHABET =
      "aZ09 _-/.:\"\\<>&\n\r\t\b\f\u0001\u001f\u007f\u00e9\u2028\u2029\ud83d\ude00";

  private static String text(Random r) {
    StringBuilder sb = new StringBuilder();
    for (int i = r.nextInt(8); i > 0; i--) {
      sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    // Surrogates come in pairs here; the lone ones have their own test.
    String s = sb.toString();
    return s.replaceAll(
        "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]", "x");
  }

  /** Writes a random document to the encoder and, as JSON text in member order, to sb. */
  private static void random(Random r, int depth, DecisionEvent.Encoder e, StringBuilder sb) {
    switch (r.nextInt(depth > 3 ? 6 : 8)) {
      case 0 -> {
        String s = text(r);
        e.string(s);
        Json.quote(s, sb);
      }
      case 1 -> {
        long v = r.nextLong() >> r.nextInt(64);
        e.integer(v);
        sb.append(v);
      }
      case 2 -> {
        String n = Double.toString(r.nextDouble() * 1e6);
        e.number(n);
        sb.append(n);
      }
      case 3 -> {
        boolean b = r.nextBoolean();
        e.bool(b);
        sb.append(b);
      }
      case 4 -> {
        e.nul();
        sb.append("null");
      }
      case 5 -> {
        Instant t =
            Instant.ofEpochSecond(
                r.nextLong(-10_000_000_000L, 300_000_000_000L), r.nextInt(1_000_000_000));
        e.time(t);
        Json.quote(t.toString(), sb);
      }
      case 6 -> {
        e.startArray();
        sb.append('[');
        for (int i = r.nextInt(4); i > 0; i--) {
          random(r, depth + 1, e, sb);
          sb.append(i > 1 ? "," : "");
        }
        e.end();
        sb.append(']');
      }
      default -> {
        e.startObject();
        sb.append('{');
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          String k = text(r) + i; // distinct keys, as a JSON object has
          e.key(k);
          Json.quote(k, sb);
          sb.append(':');
          random(r, depth + 1, e, sb);
          sb.append(i < n - 1 ? "," : "");
        }
        e.end();
        sb.append('}');
      }
    }
  }

  @Test
  void json_randomDocuments_areJsonWriteOfTheSameDocument() {
    Random r = new Random(20261205);
    for (int i = 0; i < 5_000; i++) {
      DecisionEvent.Encoder e = DecisionEvent.encoder();
      StringBuilder unsorted = new StringBuilder();
      random(r, 0, e, unsorted);

      String json = e.done().json();

      assertThat(json)
          .as("document %s", unsorted)
          .isEqualTo(Json.write(Json.parse(unsorted.toString())));
    }
  }

  @Test
  void json_objectKeys_sortedAtEveryLevelWhateverTheWritingOrder() {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    e.key("z").startObject().key("b").integer(2).key("a").integer(1).end();
    e.key("m").startArray().string("<&>").nul().end();
    e.key("a").time(Instant.parse("2026-12-05T03:00:00.120Z"));
    e.key("\u00e9").bool(false);

    String json = e.end().done().json();

    assertThat(json)
        .isEqualTo(
            "{\"a\":\"2026-12-05T03:00:00.120Z\",\"m\":[\"\\u003c\\u0026\\u003e\",null],"
                + "\"z\":{\"a\":1,\"b\":2},\"\u00e9\":false}");
  }

  @Test
  void json_loneSurrogates_keptAndEscapedAsJsonWriteEscapesThem() {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    e.key("\ue000").nul().key("\ud800").string("a\udc00\ud800b\ud83d\ude00c\ud83d").end();

    String json = DecisionEvent.ofCompact(e.done().compact()).json();

    // Sorted by code unit, the lone surrogate before U+E000, and escaped as Json.write escapes it.
    assertThat(json)
        .isEqualTo("{\"\\ufffd\":\"a\\ufffd\\ufffdb\ud83d\ude00c\\ufffd\",\"\ue000\":null}");
  }

  @Test
  void json_valueGivenAsJsonText_readAsItIsWhereTheEncoderMayNestNoDeeper() {
    DecisionEvent.Encoder e = DecisionEvent.encoder();
    for (int i = 0; i < DecisionEvent.MAX_DEPTH; i++) {
      e.startArray();
    }
    assertThat(e.mayNest()).isFalse();
    e.json("[{\"b\":1,\"a\":2}]");
    for (int i = 0; i < DecisionEvent.MAX_DEPTH; i++) {
      e.end();
    }

    DecisionEvent event = DecisionEvent.ofCompact(e.done().compact());

    String brackets = "[".repeat(DecisionEvent.MAX_DEPTH);
    assertThat(event.json())
        .isEqualTo(brackets + "[{\"b\":1,\"a\":2}]" + "]".repeat(DecisionEvent.MAX_DEPTH));
  }

  /** Objects nested {@code depth} deep around an array of a million zeros. */
  private static DecisionEvent nestedOverLongArray(int depth) {
    DecisionEvent.Encoder e = DecisionEvent.encoder();
    for (int i = 0; i < depth; i++) {
      e.startObject().key("a");
    }
    e.startArray();
    for (int i = 0; i < 1_000_000; i++) {
      e.integer(0);
    }
    e.end();
    for (int i = 0; i < depth; i++) {
      e.end();
    }
    return e.done();
  }

  /** The values a JSON read of the event steps over or writes. */
  private static long renderSteps(DecisionEvent event) {
    byte[] compact = event.compact();
    DecisionEvent.Cursor c = new DecisionEvent.Cursor(compact, 0, compact.length);
    c.rememberEnds();
    StringBuilder sb = new StringBuilder();
    c.render(sb, 0);
    assertThat(sb.toString()).isEqualTo(event.json());
    return c.steps();
  }

  @Test
  void json_deepObjectsOverALongArray_readInStepsOfItsSizeNotSizeTimesDepth() {
    // Each object skipped its members' values to sort them, and then its inner objects skipped
    // them again: 500 levels over an 8 MiB input took 4 s to read, where Json.write takes 70 ms.
    int depth = DecisionEvent.MAX_DEPTH - 12;
    DecisionEvent deep = nestedOverLongArray(depth);
    long values = 1_000_000 + 1 + depth;

    long steps = renderSteps(deep);

    // Each value is skipped once to find its end, and written once.
    assertThat(steps).isLessThanOrEqualTo(2 * values + 2L * depth);
  }

  @Test
  void equals_sameJsonWhetherTextOrCompact() {
    DecisionEvent compact =
        DecisionEvent.encoder().startObject().key("b").integer(1).key("a").nul().end().done();

    assertThat(compact).isEqualTo(DecisionEvent.ofJson("{\"a\":null,\"b\":1}"));
    assertThat(compact).hasSameHashCodeAs(DecisionEvent.ofJson("{\"a\":null,\"b\":1}"));
    assertThat(compact).isNotEqualTo(DecisionEvent.ofJson("{\"a\":null,\"b\":2}"));
  }

  @Test
  void rewind_dropsWhatCameAfterTheMarkWithTheObjectsOpenedSince() {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject().key("kept").integer(1);
    long mark = e.mark();
    e.key("dropped").startObject().key("inner").startArray().string("x");

    e.rewind(mark);
    e.key("after").string("\u00e9t\u00e9");

    assertThat(e.end().done().json()).isEqualTo("{\"after\":\"\u00e9t\u00e9\",\"kept\":1}");
  }

  @Test
  void encoder_unbalanced_refused() {
    assertThatThrownBy(() -> DecisionEvent.encoder().end())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("nothing to end");
    assertThatThrownBy(() -> DecisionEvent.encoder().startObject().startArray().done())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("2 objects or arrays are not ended");
  }

  @Test
  void encoder_deeperThanTheLimit_refused() {
    DecisionEvent.Encoder e = DecisionEvent.encoder();
    for (int i = 0; i < DecisionEvent.MAX_DEPTH; i++) {
      e.startArray();
    }

    assertThatThrownBy(e::startArray)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision event nests deeper than " + DecisionEvent.MAX_DEPTH);
  }

  private static byte[] sample() {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    e.key("id").string("\u00e9t\u00e9").key("n").integer(-300).key("x").number("1.5");
    e.key("t").time(Instant.parse("2026-12-05T03:00:00Z")).key("a").startArray().bool(true).end();
    e.key("j").json("[[{\"a\":1}]]");
    return e.end().done().compact();
  }

  @Test
  void ofCompact_everyTruncation_namesTheByte() {
    byte[] whole = sample();
    for (int cut = 0; cut < whole.length; cut++) {
      byte[] part = Arrays.copyOf(whole, cut);
      assertThatThrownBy(() -> DecisionEvent.ofCompact(part))
          .as("cut at %d", cut)
          .isInstanceOf(DecisionEvent.Damage.class)
          .hasMessageStartingWith("event byte ");
    }
  }

  @Test
  void ofCompact_unknownTagTrailingBytesOrTooDeep_refused() {
    byte[] tag = sample();
    tag[0] = 42;
    assertThatThrownBy(() -> DecisionEvent.ofCompact(tag))
        .hasMessage("event byte 0: unknown tag 42");

    byte[] trailing = Arrays.copyOf(sample(), sample().length + 3);
    assertThatThrownBy(() -> DecisionEvent.ofCompact(trailing))
        .hasMessageEndingWith("3 bytes after the event");

    byte[] deep = new byte[DecisionEvent.MAX_DEPTH + 10];
    Arrays.fill(deep, (byte) DecisionEvent.ARRAY);
    assertThatThrownBy(() -> DecisionEvent.ofCompact(deep))
        .hasMessageContaining("nested deeper than " + DecisionEvent.MAX_DEPTH);

    byte[] nanos = {DecisionEvent.TIME, 0, (byte) 0x80, (byte) 0x94, (byte) 0xeb, (byte) 0xdc, 3};
    assertThatThrownBy(() -> DecisionEvent.ofCompact(nanos))
        .hasMessageContaining("nanoseconds 1000000000 out of range");
  }

  @Test
  void ofCompact_negativeNanoseconds_refusedNotReadAsAnotherTime() {
    // Seconds 0 and nanoseconds -1 read as a second earlier; at the least second, as an overflow.
    byte[] minusOne = {-1, -1, -1, -1, -1, -1, -1, -1, -1, 1};
    byte[] shifted = new byte[12];
    shifted[0] = DecisionEvent.TIME;
    System.arraycopy(minusOne, 0, shifted, 2, 10);
    byte[] overflow = new byte[21];
    overflow[0] = DecisionEvent.TIME;
    System.arraycopy(minusOne, 0, overflow, 1, 10);
    System.arraycopy(minusOne, 0, overflow, 11, 10);

    assertThatThrownBy(() -> DecisionEvent.ofCompact(shifted))
        .isInstanceOf(DecisionEvent.Damage.class)
        .hasMessageContaining("nanoseconds -1 out of range");
    assertThatThrownBy(() -> DecisionEvent.ofCompact(overflow))
        .isInstanceOf(DecisionEvent.Damage.class)
        .hasMessageContaining("nanoseconds -1 out of range");
  }
}
