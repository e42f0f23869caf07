package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.NumberValue;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimeBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "2006-01-02T15:04:05Z07:00|2017-06-02T19:00:00-07:00|1496455200000000000",
        "2006-01-02T15:04:05Z07:00|1677-09-21T00:12:43.145224192-00:00|-9223372036854775808",
        "2006-01-02T15:04:05Z07:00|2262-04-11T23:47:16.854775807-00:00|9223372036854775807",
        "01/02 03:04:05PM '06 -0700|06/02 07:00:00PM '17 -0700|1496455200000000000",
        "02 Jan 06 15:04 -0700|02 Jun 17 19:00 -0700|1496455200000000000",
        "RFC822Z|02 Jun 17 19:00 -0700|1496455200000000000",
        "2006-01-02|2020-02-29|1582934400000000000",
        "Mon Jan _2 15:04:05 MST 2006|Fri Jun  2 19:00:00 PST 2017|1496430000000000000",
        "2006-01-02 15:04:05.000|2017-06-02 19:00:00.250|1496430000250000000",
        "2006-002|2020-060|1582934400000000000",
      })
  void parseNs_goLayout_givesNanos(String layout, String value, long ns) {
    assertThat(call("time.parse_ns", str(layout), str(value))).isEqualTo(NumberValue.of(ns));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "2006-01-02T15:04:05Z07:00|1677-09-21T00:12:43.145224191-00:00|time outside of valid range",
        "2006-01-02|2021-02-29|parsing time \"2021-02-29\": day out of range",
        "2006-01-02|2021-13-01|parsing time \"2021-13-01\": month out of range",
        "2006-01-02|21-01-01|parsing time \"21-01-01\" as \"2006-01-02\": cannot parse \"21-01-01\""
            + " as \"2006\"",
        "2006-01-02|2021/01/01|parsing time \"2021/01/01\" as \"2006-01-02\": cannot parse"
            + " \"/01/01\" as \"-\"",
        "2006-01-02|2021-01-01x|parsing time \"2021-01-01x\": extra text: \"x\"",
      })
  void parseNs_badValue_failsWithGoMessage(String layout, String value, String message) {
    assertThatThrownBy(() -> call("time.parse_ns", str(layout), str(value)))
        .isInstanceOf(BuiltinException.class)
        .hasMessage(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "100ms|100000000",
        "1h2m3.5s|3723500000000",
        "-1.5h|-5400000000000",
        "1µs|1000",
        "0|0",
        "365d|31536000000000000",
        "1w|604800000000000",
        "1y|31536000000000000",
        "1d2h|93600000000000",
        "-1.5d|-129600000000000",
      })
  void parseDurationNs_goSyntax_givesNanos(String text, long ns) {
    assertThat(call("time.parse_duration_ns", str(text))).isEqualTo(NumberValue.of(ns));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1x|time: unknown unit \"x\" in duration \"1x\"",
        "12|time: missing unit in duration \"12\"",
        "|time: invalid duration \"\"",
        "9999999999h|time: invalid duration \"9999999999h\"",
      })
  void parseDurationNs_bad_failsWithGoMessage(String text, String message) {
    assertThatThrownBy(() -> call("time.parse_duration_ns", str(text == null ? "" : text)))
        .hasMessage(message);
  }

  @Test
  void format_zoneAndLayout_writesAsGo() {
    long ns = 1670006453141828752L;
    assertThat(call("time.format", NumberValue.of(ns)))
        .isEqualTo(str("2022-12-02T18:40:53.141828752Z"));
    assertThat(call("time.format", json("[1670006453141828752, \"Asia/Kolkata\"]")))
        .isEqualTo(str("2022-12-03T00:10:53.141828752+05:30"));
    assertThat(
            call(
                "time.format",
                json(
                    "[1670006453141828752, \"Asia/Kolkata\", \"Mon Jan 02 15:04:05 -0700 2006\"]")))
        .isEqualTo(str("Sat Dec 03 00:10:53 +0530 2022"));
    assertThat(call("time.format", json("[1670006453141828752, \"Asia/Kolkata\", \"RFC1123Z\"]")))
        .isEqualTo(str("Sat, 03 Dec 2022 00:10:53 +0530"));
    assertThat(call("time.format", json("[0, \"America/Los_Angeles\", \"3:04PM MST .000\"]")))
        .isEqualTo(str("4:00PM PST .000"));
  }

  @Test
  void calendar_timestampTooBig_fails() {
    var big = NumberValue.parse("1582977600000000000000");
    for (String name : new String[] {"time.date", "time.clock", "time.weekday", "time.format"}) {
      assertThatThrownBy(() -> call(name, big)).hasMessage("timestamp too big");
    }
  }

  @Test
  void dateClockWeekday_withZone_useZone() {
    assertThat(call("time.date", json("[1517814000000000000, \"America/Los_Angeles\"]")))
        .isEqualTo(json("[2018, 2, 4]"));
    assertThat(call("time.clock", json("[1517832000000000000, \"America/New_York\"]")))
        .isEqualTo(json("[7, 0, 0]"));
    assertThat(call("time.weekday", NumberValue.of(1517832000000000000L))).isEqualTo(str("Monday"));
    assertThatThrownBy(() -> call("time.date", json("[0, \"Mars/Olympus\"]")))
        .hasMessage("unknown time zone Mars/Olympus");
  }

  @Test
  void addDate_overflowingDays_normalizeAsGo() {
    assertThat(call("time.add_date", n(1585852421593912000L), n(3), n(9), n(12)))
        .isEqualTo(n(1705257221593912000L));
    // 2021-01-31 plus one month is 2021-03-03 in Go, not 2021-02-28.
    long jan31 = 1612051200000000000L;
    assertThat(call("time.add_date", n(jan31), n(0), n(1), n(0)))
        .isEqualTo(n(1614729600000000000L));
    assertThatThrownBy(() -> call("time.add_date", n(0), n(2262), n(1), n(1)))
        .hasMessage("time outside of valid range");
  }

  @Test
  void diff_leapYears_countDays() {
    long a = parse("2020-02-02");
    long b = parse("2020-03-01");
    assertThat(call("time.diff", n(a), n(b))).isEqualTo(json("[0, 0, 28, 0, 0, 0]"));
    assertThat(call("time.diff", n(parse("2004-02-29")), n(parse("2005-03-01"))))
        .isEqualTo(json("[1, 0, 1, 0, 0, 0]"));
  }

  @Test
  void nowNs_sameQuery_sameValue() {
    var ctx =
        new SimpleBuiltinContext(InstantSource.fixed(Instant.ofEpochSecond(5, 7)), false, false);
    assertThat(call(ctx, "time.now_ns")).isEqualTo(n(5_000_000_007L));
  }

  private static long parse(String date) {
    return ((NumberValue) call("time.parse_ns", str("2006-01-02"), str(date))).longValueExact();
  }

  private static NumberValue n(long v) {
    return NumberValue.of(v);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "ANSIC|Tue Nov 10 23:00:00 2009",
        "3:04PM|11:00PM",
        "Jan _2 15:04:05.000000|Nov 10 23:00:00.000000",
        "RFC3339Nano|2009-11-10T23:00:00Z",
        "__2 002|314 314",
        "Monday January 2 06 pm|Tuesday November 10 09 pm",
        "-07:00:00 Z0700 -07|+00:00:00 Z +00",
      })
  void format_goLayoutChunks_writeAsGo(String layout, String want) {
    var t = json("[1257894000000000000, \"UTC\", \"" + layout + "\"]");
    assertThat(call("time.format", t)).isEqualTo(str(want));
  }

  @Test
  void parseNs_formattedBack_roundTrips() {
    assertThat(call("time.parse_ns", str("ANSIC"), str("Tue Nov 10 23:00:00 2009")))
        .isEqualTo(n(1257894000000000000L));
  }
}
