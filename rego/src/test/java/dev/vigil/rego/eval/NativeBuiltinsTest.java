package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builtins the evaluator runs itself: print, network refusals, query time, walk. */
class NativeBuiltinsTest {

  private static Policy policy(String text) {
    return Policy.compile(List.of(new Source("n.rego", text)), null, CompileOptions.defaults());
  }

  private static Value x(QueryResult r) {
    return r.rows().isEmpty() ? null : r.rows().get(0).bindings().get("x");
  }

  @Test
  void print_undefinedAndValues_writesOneLineToSink() {
    Policy p =
        policy("package n\n\np if {\n  print(\"user\", input.name, input.missing, {1})\n}\n");
    List<String> lines = new ArrayList<>();
    QueryResult r =
        p.prepare("x := data.n.p")
            .eval(Json.parse("{\"name\": \"ann\"}"), EvalOptions.defaults(), null, lines::add);
    assertThat(lines).containsExactly("user ann <undefined> {1}");
    assertThat(x(r)).isEqualTo(Json.parse("true"));
  }

  @Test
  void httpSend_networkOff_strictErrorNamesBuiltinAndSwitch() {
    Policy p =
        policy(
            "package n\n\n"
                + "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"})\n");
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () ->
                p.prepare("x := data.n.r")
                    .eval(null, EvalOptions.defaults().withStrictBuiltinErrors(true)));
    assertThat(e.code()).isEqualTo("eval_builtin_error");
    assertThat(e.getMessage())
        .contains("http.send: network access is off")
        .contains("EvalOptions.networkAllowed");
  }

  @Test
  void httpSend_networkOffLenient_undefined() {
    Policy p =
        policy(
            "package n\n\n"
                + "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"})\n");
    assertThat(x(p.prepare("x := data.n.r").eval(null, EvalOptions.defaults()))).isNull();
  }

  @Test
  void lookupIpAddr_ipv6Literal_canonicalTextWithoutNetwork() {
    Policy p = policy("package n\n\nr := net.lookup_ip_addr(\"2001:db8:0:0:0:0:0:1\")\n");
    assertThat(x(p.prepare("x := data.n.r").eval(null, EvalOptions.defaults())))
        .isEqualTo(SetValue.of(StringValue.of("2001:db8::1")));
  }

  @Test
  void timeNowNs_fixedClock_sameValueAllQuery() {
    Policy p = policy("package n\n\nr := [time.now_ns(), time.now_ns()]\n");
    Instant t = Instant.parse("2026-01-02T03:04:05.000000006Z");
    QueryResult r =
        p.prepare("x := data.n.r")
            .eval(null, EvalOptions.defaults().withClock(InstantSource.fixed(t)));
    NumberValue ns = NumberValue.of(t.getEpochSecond() * 1_000_000_000L + t.getNano());
    assertThat(x(r)).isEqualTo(ArrayValue.of(ns, ns));
  }

  @Test
  void walk_nestedObject_everyPathAndValue() {
    Policy p = policy("package n\n\nr := {[path, v] | walk({\"a\": [7]}, [path, v])}\n");
    assertThat(x(p.prepare("x := data.n.r").eval(null, EvalOptions.defaults())))
        .isEqualTo(
            SetValue.of(
                Json.parse("[[], {\"a\": [7]}]"),
                Json.parse("[[\"a\"], [7]]"),
                Json.parse("[[\"a\", 0], 7]")));
  }
}
