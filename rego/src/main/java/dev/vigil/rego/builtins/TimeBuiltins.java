package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builtins of the Time family. Timestamps are nanoseconds since the Unix epoch in a 64-bit integer
 * (1677-09-21 to 2262-04-11); a time argument is {@code ns}, {@code [ns, tz]} or {@code [ns, tz,
 * layout]}, where tz is an IANA zone name, {@code UTC}, {@code Local} or empty for UTC, and layout
 * is a Go layout or one of Go's named layouts ({@code RFC3339}, {@code RFC1123Z} ...).
 */
final class TimeBuiltins {

  private TimeBuiltins() {}

  private static final Map<String, String> NAMED_LAYOUTS =
      Map.ofEntries(
          Map.entry("ANSIC", "Mon Jan _2 15:04:05 2006"),
          Map.entry("UnixDate", "Mon Jan _2 15:04:05 MST 2006"),
          Map.entry("RubyDate", "Mon Jan 02 15:04:05 -0700 2006"),
          Map.entry("RFC822", "02 Jan 06 15:04 MST"),
          Map.entry("RFC822Z", "02 Jan 06 15:04 -0700"),
          Map.entry("RFC850", "Monday, 02-Jan-06 15:04:05 MST"),
          Map.entry("RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"),
          Map.entry("RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"),
          Map.entry("RFC3339", "2006-01-02T15:04:05Z07:00"),
          Map.entry("RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"));

  private static final String RFC3339 = "2006-01-02T15:04:05Z07:00";
  private static final String RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00";

  private static final Type TIME_ARG = Type.anyOf(Type.NUMBER, Type.array(Type.ANY));
  private static final Type NUMBER = Type.NUMBER;
  private static final Type STRING = Type.STRING;

  private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();

  /** A time argument resolved: the instant in its zone, and the layout if one was given. */
  private record ZonedTime(ZonedDateTime time, String layout) {}

  static void register(BuiltinRegistry r) {
    r.register(
        new BuiltinDecl(
            "time.now_ns",
            List.of(),
            NUMBER,
            "Returns the current time since epoch in nanoseconds, the same within one query.",
            true),
        (ctx, a) -> NumberValue.of(ctx.queryTimeNanos()));
    r.register(
        "time.parse_ns",
        List.of(STRING, STRING),
        NUMBER,
        "Returns the time in nanoseconds parsed from the string in the given Go layout.",
        (ctx, a) -> {
          String layout = Operands.string(a, 0);
          return parsed(NAMED_LAYOUTS.getOrDefault(layout, layout), Operands.string(a, 1));
        });
    r.register(
        "time.parse_rfc3339_ns",
        List.of(STRING),
        NUMBER,
        "Returns the time in nanoseconds parsed from the RFC 3339 string.",
        (ctx, a) -> parsed(RFC3339, Operands.string(a, 0)));
    r.register(
        "time.parse_duration_ns",
        List.of(STRING),
        NUMBER,
        "Returns the duration in nanoseconds parsed from Go's duration syntax, such as 1h2m3.5s.",
        (ctx, a) -> {
          try {
            return NumberValue.of(TimeDuration.parse(Operands.string(a, 0)));
          } catch (TimeDuration.DurationException e) {
            throw BuiltinException.error(e.getMessage());
          }
        });
    registerCalendar(r);
  }

  private static void registerCalendar(BuiltinRegistry r) {
    r.register(
        "time.format",
        List.of(TIME_ARG),
        STRING,
        "Returns the time as a string in the given zone and layout (RFC 3339 by default).",
        (ctx, a) -> {
          ZonedTime t = zonedTime(a[0]);
          String layout = t.layout() == null || t.layout().isEmpty() ? RFC3339_NANO : t.layout();
          return StringValue.of(
              TimeLayout.format(t.time(), NAMED_LAYOUTS.getOrDefault(layout, layout)));
        });
    r.register(
        "time.date",
        List.of(TIME_ARG),
        Type.array(NUMBER),
        "Returns the [year, month, day] of the time.",
        (ctx, a) -> {
          ZonedDateTime t = zonedTime(a[0]).time();
          return ints(t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        });
    r.register(
        "time.clock",
        List.of(TIME_ARG),
        Type.array(NUMBER),
        "Returns the [hour, minute, second] of the time.",
        (ctx, a) -> {
          ZonedDateTime t = zonedTime(a[0]).time();
          return ints(t.getHour(), t.getMinute(), t.getSecond());
        });
    r.register(
        "time.weekday",
        List.of(TIME_ARG),
        STRING,
        "Returns the day of the week (Monday, Tuesday, ...) of the time.",
        (ctx, a) -> {
          String day = zonedTime(a[0]).time().getDayOfWeek().name();
          return StringValue.of(
              day.charAt(0) + day.substring(1).toLowerCase(java.util.Locale.ROOT));
        });
    r.register(
        "time.add_date",
        List.of(NUMBER, NUMBER, NUMBER, NUMBER),
        NUMBER,
        "Returns the time in nanoseconds after adding years, months and days, as Go normalizes.",
        (ctx, a) -> addDate(zonedTime(a[0]).time(), intArg(a, 1), intArg(a, 2), intArg(a, 3)));
    r.register(
        "time.diff",
        List.of(TIME_ARG, TIME_ARG),
        Type.array(NUMBER),
        "Returns the difference between two times as [years, months, days, hours, minutes,"
            + " seconds].",
        (ctx, a) -> diff(zonedTime(a[0]).time(), zonedTime(a[1]).time()));
  }

  private static Value parsed(String layout, String value) {
    TimeLayout.Parsed p;
    try {
      p = TimeLayout.parse(layout, value);
    } catch (TimeLayout.ParseException e) {
      throw BuiltinException.error(e.getMessage());
    }
    Long ns = p.unixNanos();
    if (ns == null) {
      throw BuiltinException.error("time outside of valid range");
    }
    return NumberValue.of(ns);
  }

  private static ArrayValue ints(int... values) {
    Value[] out = new Value[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = NumberValue.of(values[i]);
    }
    return ArrayValue.wrap(out);
  }

  private static long intArg(Value[] a, int index) {
    NumberValue n = Operands.number(a, index);
    Long l = n.longValueExact();
    if (l == null) {
      if (!n.isInteger()) {
        throw BuiltinException.type(
            "operand " + (index + 1) + " must be integer number but got floating-point number");
      }
      throw BuiltinException.error("time outside of valid range");
    }
    return l;
  }

  /** Resolves {@code ns}, {@code [ns, tz]} or {@code [ns, tz, layout]} as OPA does. */
  private static ZonedTime zonedTime(Value v) {
    Value ns;
    ZoneId zone = ZoneOffset.UTC;
    String layout = null;
    String expected = "either number (ns) or [number (ns), string (tz)]";
    switch (v) {
      case NumberValue n -> ns = n;
      case ArrayValue arr -> {
        if (arr.size() == 0) {
          throw BuiltinException.operandType(1, v, expected);
        }
        ns = arr.get(0);
        if (!(ns instanceof NumberValue)) {
          throw BuiltinException.operandType(1, ns, "number");
        }
        if (arr.size() > 1) {
          if (!(arr.get(1) instanceof StringValue tz)) {
            throw BuiltinException.operandType(1, arr.get(1), "string");
          }
          zone = zone(tz.value());
        }
        if (arr.size() > 2) {
          if (!(arr.get(2) instanceof StringValue l)) {
            throw BuiltinException.operandType(1, arr.get(2), "string");
          }
          layout = l.value();
        }
      }
      default -> throw BuiltinException.operandType(1, v, expected);
    }
    BigDecimal d = ((NumberValue) ns).bigDecimal();
    long nanos;
    try {
      nanos = d.longValueExact();
    } catch (ArithmeticException e) {
      throw BuiltinException.error("timestamp too big");
    }
    Instant instant =
        Instant.ofEpochSecond(
            Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    return new ZonedTime(instant.atZone(zone), layout);
  }

  private static ZoneId zone(String name) {
    return switch (name) {
      case "", "UTC" -> ZoneOffset.UTC;
      case "Local" -> ZoneId.systemDefault();
      default -> {
        if (!ZONES.contains(name)) {
          throw BuiltinException.error("unknown time zone " + name);
        }
        yield ZoneId.of(name);
      }
    };
  }

  /** Adds as Go's {@code AddDate}: month and day overflow roll into the next month or year. */
  private static Value addDate(ZonedDateTime t, long years, long months, long days) {
    try {
      long totalMonths =
          Math.addExact(
              Math.multiplyExact(Math.addExact(t.getYear(), years), 12L),
              Math.addExact(t.getMonthValue() - 1L, months));
      long year = Math.floorDiv(totalMonths, 12);
      int month = (int) Math.floorMod(totalMonths, 12) + 1;
      LocalDateTime local =
          LocalDateTime.of(
                  Math.toIntExact(year),
                  month,
                  1,
                  t.getHour(),
                  t.getMinute(),
                  t.getSecond(),
                  t.getNano())
              .plusDays(Math.addExact(t.getDayOfMonth() - 1L, days));
      ZonedDateTime out = ZonedDateTime.ofLocal(local, t.getZone(), null);
      BigInteger ns =
          BigInteger.valueOf(out.toEpochSecond())
              .multiply(BigInteger.valueOf(1_000_000_000L))
              .add(BigInteger.valueOf(out.getNano()));
      if (ns.bitLength() >= 64) {
        throw BuiltinException.error("time outside of valid range");
      }
      return NumberValue.of(ns.longValue());
    } catch (DateTimeException | ArithmeticException e) {
      throw BuiltinException.error("time outside of valid range");
    }
  }

  /** Computes the calendar difference between two times, in the first time's zone. */
  private static Value diff(ZonedDateTime t1, ZonedDateTime t2) {
    t2 = t2.withZoneSameInstant(t1.getZone());
    if (t1.isAfter(t2)) {
      ZonedDateTime x = t1;
      t1 = t2;
      t2 = x;
    }
    int year = t2.getYear() - t1.getYear();
    int month = t2.getMonthValue() - t1.getMonthValue();
    int day = t2.getDayOfMonth() - t1.getDayOfMonth();
    int hour = t2.getHour() - t1.getHour();
    int min = t2.getMinute() - t1.getMinute();
    int sec = t2.getSecond() - t1.getSecond();
    if (sec < 0) {
      sec += 60;
      min--;
    }
    if (min < 0) {
      min += 60;
      hour--;
    }
    if (hour < 0) {
      hour += 24;
      day--;
    }
    if (day < 0) {
      day += t1.toLocalDate().lengthOfMonth();
      month--;
    }
    if (month < 0) {
      month += 12;
      year--;
    }
    return ints(year, month, day, hour, min, sec);
  }
}
