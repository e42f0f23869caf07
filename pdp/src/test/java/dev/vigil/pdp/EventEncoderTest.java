package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionEvent;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The event, read back from the log's compact form, is the text Json.write gives, for events and
 * for any value inside them.
 */
class EventEncoderTest {

  /** Characters that take each escaping path: plain, HTML-unsafe, control, surrogates, others. */
  private static final String ALPHABET =
      "aZ09 _-/.:\"\\<>&\n\r\t\b\f\u0001\u001f\u007f\u00e9\u2028\u2029\ud83d\ude00\ud800\udc00";

  private static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static Value randomValue(Random r, int depth) {
    int kind = r.nextInt(depth > 3 ? 5 : 8);
    return switch (kind) {
      case 0 -> StringValue.of(randomString(r));
      case 1 -> NumberValue.of(r.nextInt(2_000_001) - 1_000_000);
      case 2 -> BooleanValue.of(r.nextBoolean());
      case 3 -> NullValue.NULL;
      case 4 -> NumberValue.of(r.nextDouble() * 1e6);
      case 5 -> ArrayValue.of(List.of(randomValue(r, depth + 1), randomValue(r, depth + 1)));
      case 6 -> SetValue.of(randomValue(r, depth + 1), randomValue(r, depth + 1));
      default -> {
        Map<Value, Value> m = new HashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          Value key = r.nextInt(6) == 0 ? randomValue(r, 4) : StringValue.of(randomString(r));
          m.put(key, randomValue(r, depth + 1));
        }
        yield ObjectValue.wrap(m);
      }
    };
  }

  /** The value written alone in the compact form, read back as JSON. */
  private static String json(Value v) {
    DecisionEvent.Encoder e = DecisionEvent.encoder();
    EventEncoder.value(v, e);
    return e.done().json();
  }

  @Test
  void value_randomValues_writtenAsJsonWriteDoes() {
    Random r = new Random(20261204);
    for (int i = 0; i < 5_000; i++) {
      Value v = randomValue(r, 0);

      String json = json(v);

      assertThat(json).as("value %s", v).isEqualTo(Json.write(v));
      assertThat(Json.parse(json)).as("value %s", v).isEqualTo(Json.parse(Json.write(v)));
    }
  }

  @Test
  void value_objectsOfManyStringKeys_keysSortedAsJsonWriteSortsThem() {
    Random r = new Random(7);
    for (int size = 0; size <= 40; size++) {
      Map<Value, Value> m = new HashMap<>();
      while (m.size() < size) {
        m.put(StringValue.of(randomString(r) + r.nextInt(100)), NumberValue.of(m.size()));
      }
      ObjectValue o = ObjectValue.wrap(m);

      String json = json(o);

      assertThat(json).as("object of %d keys", size).isEqualTo(Json.write(o));
    }
  }

  @Test
  void value_keysThatReadAlike_orderedAsJsonWriteOrdersThem() {
    // Key 1 and key "1" are both named "1"; Json.write keeps them in key order, the number first,
    // and a reader that keeps the last of two equal names must see the same member either way.
    for (int i = 0; i < 40; i++) {
      Map<Value, Value> m = new HashMap<>();
      m.put(NumberValue.of(i), StringValue.of("number"));
      m.put(StringValue.of(Integer.toString(i)), StringValue.of("string"));
      m.put(BooleanValue.TRUE, StringValue.of("boolean"));
      m.put(StringValue.of("true"), StringValue.of("string"));
      m.put(NullValue.NULL, StringValue.of("null"));
      m.put(StringValue.of("null"), StringValue.of("string"));
      ObjectValue o = ObjectValue.wrap(m);

      assertThat(json(o)).as("keys %d and \"%d\"", i, i).isEqualTo(Json.write(o));
    }
  }

  @Test
  void value_loneSurrogates_writtenAsJsonWriteDoes() {
    // Keys sort by their code units: a lone surrogate before U+E000, though U+FFFD sorts after.
    Map<Value, Value> m = new HashMap<>();
    m.put(StringValue.of("\ud800"), StringValue.of("a\udc00b\ud83d\ude00c\ud83d"));
    m.put(StringValue.of("\ue000"), NumberValue.of(1));
    m.put(StringValue.of("\udc00"), NumberValue.of(2));
    ObjectValue o = ObjectValue.wrap(m);

    assertThat(json(o)).isEqualTo(Json.write(o));
  }

  @Test
  void value_nestedDeeperThanTheCompactForm_writtenAsJsonWriteDoes() {
    Value deep =
        Json.parse("{\"a\":" + "[".repeat(900) + "{\"z\":1,\"y\":2}" + "]".repeat(900) + "}");

    assertThat(json(deep)).isEqualTo(Json.write(deep));
  }

  private static Decision decision(
      Value result, String reason, Explanation explanation, String revision) {
    return new Decision(
        "01a24285-2947-731e-b9ae-bfe6bbd313dd",
        "gw/allow",
        result,
        result == BooleanValue.TRUE,
        Mode.ENFORCE,
        true,
        reason,
        List.of(),
        ObjectValue.EMPTY,
        explanation,
        revision,
        56_733L,
        CompletableFuture.completedFuture(null),
        null);
  }

  @Test
  void write_deniedEventWithEverything_isCanonicalJsonWithEachField() {
    Decision d =
        decision(
            BooleanValue.FALSE,
            "denied",
            new Explanation("data.gw.allow", "gw.rego:5", "input.x == \"y\"", "failed <here>"),
            "rev-7");
    Masking.Result masked =
        new Masking.Result(
            Json.parse("{\"user\":{\"pin\":\"**REDACTED**\"},\"z\":[1,2.5,\"\u00e9\"]}"),
            List.of("/input/password"),
            List.of("input.user.pin"));

    String event =
        EventEncoder.write(
                d,
                masked,
                Instant.parse("2026-12-04T19:25:52.896478644Z"),
                Map.of("subject", "bob", "route", "app"),
                "node-a")
            .json();

    assertThat(Json.write(Json.parse(event))).isEqualTo(event);
    ObjectValue o = (ObjectValue) Json.parse(event);
    assertThat(o.get(StringValue.of("decision_id")))
        .isEqualTo(StringValue.of("01a24285-2947-731e-b9ae-bfe6bbd313dd"));
    assertThat(o.get(StringValue.of("timestamp")))
        .isEqualTo(StringValue.of("2026-12-04T19:25:52.896478644Z"));
    assertThat(o.get(StringValue.of("input"))).isEqualTo(masked.input());
    assertThat(o.get(StringValue.of("result"))).isEqualTo(BooleanValue.FALSE);
    assertThat(o.get(StringValue.of("reason"))).isEqualTo(StringValue.of("denied"));
    assertThat(o.get(StringValue.of("subject"))).isEqualTo(StringValue.of("bob"));
    assertThat(Json.write(o.get(StringValue.of("explanation"))))
        .isEqualTo(
            "{\"expression\":\"input.x == \\\"y\\\"\",\"location\":\"gw.rego:5\","
                + "\"message\":\"failed \\u003chere\\u003e\",\"rule\":\"data.gw.allow\"}");
    assertThat(Json.write(o.get(StringValue.of("bundles"))))
        .isEqualTo("{\"vigil\":{\"revision\":\"rev-7\"}}");
    assertThat(Json.write(o.get(StringValue.of("metrics"))))
        .isEqualTo("{\"timer_rego_query_eval_ns\":56733}");
    assertThat(Json.write(o.get(StringValue.of("erased")))).isEqualTo("[\"/input/password\"]");
    assertThat(Json.write(o.get(StringValue.of("masked")))).isEqualTo("[\"input.user.pin\"]");
  }

  @Test
  void write_allowedEventWithoutExtras_leavesOptionalFieldsOut() {
    Decision d = decision(BooleanValue.TRUE, "", null, "");

    String event =
        EventEncoder.write(
                d, new Masking.Result(null, List.of(), List.of()), Instant.EPOCH, Map.of(), "n")
            .json();

    assertThat(Json.write(Json.parse(event))).isEqualTo(event);
    assertThat(((ObjectValue) Json.parse(event)).keys())
        .extracting(k -> ((StringValue) k).value())
        .containsExactly(
            "allowed",
            "decision_id",
            "enforced",
            "latency_ns",
            "metrics",
            "mode",
            "node",
            "path",
            "result",
            "timestamp");
  }

  @Test
  void write_contextFieldNamedLikeAnEventField_replacesIt() {
    Decision d = decision(BooleanValue.TRUE, "", null, "");

    String event =
        EventEncoder.write(
                d,
                new Masking.Result(null, List.of(), List.of()),
                Instant.EPOCH,
                Map.of("node", "from-context", "metrics", "m"),
                "n")
            .json();

    ObjectValue o = (ObjectValue) Json.parse(event);
    assertThat(o.get(StringValue.of("node"))).isEqualTo(StringValue.of("from-context"));
    assertThat(o.get(StringValue.of("metrics"))).isEqualTo(StringValue.of("m"));
    assertThat(Json.write(o)).isEqualTo(event);
  }
}
