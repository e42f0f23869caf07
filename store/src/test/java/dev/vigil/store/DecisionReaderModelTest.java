package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reader against a brute-force model: random decisions are logged in random batches, and every
 * list, lookup and count must equal a plain filter over what was appended, newest first.
 */
class DecisionReaderModelTest {

  @TempDir static Path tmp;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String dialect : List.of("sqlite", "postgresql")) {
      for (long seed : new long[] {1, 2, 3}) {
        out.add(Arguments.of(dialect, seed));
      }
    }
    return out.stream();
  }

  private static final String LONG_A = "a".repeat(300);
  private static final String[] SUBJECTS = {
    null,
    "alice",
    "bob",
    "élodie@exämple.org",
    "用户-七",
    "emoji-\uD83D\uDE00",
    LONG_A,
    LONG_A + "b",
    "a".repeat(256),
    "a".repeat(257),
    "",
    "s:alice",
  };
  private static final String[] PATHS = {"authz/allow", "gw/allow", "p/ünï", "x".repeat(400)};
  private static final String[] ROUTES = {null, "app", "api", "ROUTE-é", ""};
  private static final String[] MODES = {"enforce", "monitor", "observe"};

  private static String uuidV7(Random rnd, long ms) {
    long hi = (ms << 16) | 0x7000L | (rnd.nextInt() & 0x0fff);
    long lo = 0x8000000000000000L | (rnd.nextLong() & 0x3fffffffffffffffL);
    String s = String.format("%016x%016x", hi, lo);
    return s.substring(0, 8)
        + "-"
        + s.substring(8, 12)
        + "-"
        + s.substring(12, 16)
        + "-"
        + s.substring(16, 20)
        + "-"
        + s.substring(20);
  }

  private static List<DecisionRecord> randomRecords(Random rnd, int n) {
    List<DecisionRecord> out = new ArrayList<>();
    long base = 1_764_000_000_000_000L;
    long ms = 1_764_000_000_000L;
    for (int i = 0; i < n; i++) {
      String id;
      int kind = rnd.nextInt(10);
      if (kind < 5) {
        // Several ids in one millisecond, as the decision point makes them under load.
        if (rnd.nextInt(4) == 0) {
          ms += rnd.nextInt(3);
        }
        id = uuidV7(rnd, ms);
      } else if (kind < 6) {
        id = uuidV7(rnd, ms).toUpperCase();
      } else if (kind < 8) {
        id = "d-" + i;
      } else if (kind < 9 && !out.isEmpty()) {
        id = out.get(rnd.nextInt(out.size())).decisionId(); // logged twice
      } else {
        id = "long-" + i + "-" + "z".repeat(300);
      }
      // Out of order, microsecond precision, some before 1970.
      long us =
          rnd.nextInt(20) == 0
              ? -rnd.nextInt(1_000_000_000)
              : base + rnd.nextInt(2_000_000_000) - 1_000_000_000L;
      Instant t =
          Instant.ofEpochSecond(
              Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
      out.add(
          new DecisionRecord(
              id,
              t,
              PATHS[rnd.nextInt(PATHS.length)],
              SUBJECTS[rnd.nextInt(SUBJECTS.length)],
              ROUTES[rnd.nextInt(ROUTES.length)],
              rnd.nextInt(4) != 0,
              MODES[rnd.nextInt(MODES.length)],
              rnd.nextBoolean(),
              "n" + rnd.nextInt(3),
              "{\"decision_id\":\"" + i + "\"}"));
    }
    return out;
  }

  private static boolean matches(DecisionFilter f, DecisionRecord r) {
    return (f.since() == null || !r.timestamp().isBefore(f.since()))
        // A request observe mode let through unevaluated is no denial; an enforced refusal is.
        && (!f.deniedOnly() || (!r.allowed() && !(r.mode().equals("observe") && !r.enforced())))
        && (f.path() == null || f.path().equals(r.path()))
        && (f.subject() == null || f.subject().equals(r.subject()))
        && (f.route() == null || f.route().equals(r.route()));
  }

  private static List<DecisionRecord> model(List<DecisionRecord> appended, DecisionFilter f) {
    List<DecisionRecord> out = new ArrayList<>();
    for (int i = appended.size() - 1; i >= 0 && out.size() < Math.max(1, f.limit()); i--) {
      if (matches(f, appended.get(i))) {
        out.add(appended.get(i));
      }
    }
    return out;
  }

  private static <T> T pick(Random rnd, T[] values, T none) {
    return rnd.nextInt(3) == 0 ? none : values[rnd.nextInt(values.length)];
  }

  @ParameterizedTest
  @MethodSource("cases")
  void listGetAndCount_equalABruteForceFilter(String dialect, long seed) throws Exception {
    Random rnd = new Random(seed);
    StoreLocation location = TestStores.fresh(dialect, tmp.resolve("model-" + seed));
    List<DecisionRecord> appended = randomRecords(rnd, 1_500);
    // Rows logged before batches (the decisions table, unique ids): listed after every batch.
    List<DecisionRecord> legacy = new ArrayList<>();
    for (DecisionRecord r : randomRecords(rnd, 300)) {
      if (legacy.stream().noneMatch(l -> l.decisionId().equals(r.decisionId()))
          && appended.stream().noneMatch(l -> l.decisionId().equals(r.decisionId()))) {
        legacy.add(r);
      }
    }
    try (Store store = Store.open(location)) {
      insertLegacy(store, legacy);
      // Small batches of varying size: many batches, so lists cross the page of batches.
      DecisionLog.Options options =
          new DecisionLog.Options(
              10_000,
              1 + rnd.nextInt(9),
              OverflowPolicy.BLOCK,
              Duration.ofSeconds(5),
              Duration.ofSeconds(10),
              Duration.ZERO);
      try (DecisionLog log = new DecisionLog(store, options)) {
        int i = 0;
        while (i < appended.size()) {
          int chunk = 1 + rnd.nextInt(12);
          List<CompletableFuture<Void>> acks = new ArrayList<>();
          for (int j = 0; j < chunk && i < appended.size(); j++, i++) {
            acks.add(log.append(appended.get(i)));
          }
          CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
      }
      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.count()).isEqualTo(appended.size() + legacy.size());

      for (int q = 0; q < 300; q++) {
        Instant since =
            rnd.nextInt(3) == 0 ? appended.get(rnd.nextInt(appended.size())).timestamp() : null;
        int limit =
            switch (rnd.nextInt(4)) {
              case 0 -> 1 + rnd.nextInt(5);
              case 1 -> 1 + rnd.nextInt(200);
              case 2 -> 10_000;
              default -> 1 + rnd.nextInt(appended.size());
            };
        DecisionFilter f =
            new DecisionFilter(
                since,
                rnd.nextBoolean(),
                pick(rnd, PATHS, null),
                rnd.nextInt(2) == 0 ? null : SUBJECTS[1 + rnd.nextInt(SUBJECTS.length - 1)],
                rnd.nextInt(2) == 0 ? null : ROUTES[1 + rnd.nextInt(ROUTES.length - 1)],
                limit);
        List<DecisionRecord> expected = model(appended, f);
        if (expected.size() < Math.max(1, limit)) {
          expected.addAll(model(legacy, f).stream().limit(limit - expected.size()).toList());
        }
        assertThat(reader.list(f)).as("%s", f).containsExactlyElementsOf(expected);
      }

      for (int q = 0; q < 300; q++) {
        String id =
            switch (rnd.nextInt(10)) {
              case 0 -> uuidV7(rnd, 1_764_000_000_000L);
              case 1, 2 -> legacy.get(rnd.nextInt(legacy.size())).decisionId();
              default -> appended.get(rnd.nextInt(appended.size())).decisionId();
            };
        Optional<DecisionRecord> first =
            Stream.concat(appended.stream(), legacy.stream())
                .filter(r -> r.decisionId().equals(id))
                .findFirst();
        assertThat(reader.get(id)).as(id).isEqualTo(first);
      }
    }
  }

  private static void insertLegacy(Store store, List<DecisionRecord> rows) throws Exception {
    boolean pg = store.dialect() == Dialect.POSTGRESQL;
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO decisions (decision_id, ts_us, path, subject, route, allowed,"
                    + " mode, enforced, node, event) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
      for (DecisionRecord r : rows) {
        ps.setString(1, r.decisionId());
        ps.setLong(2, DecisionLog.micros(r.timestamp()));
        ps.setString(3, r.path());
        ps.setString(4, r.subject());
        ps.setString(5, r.route());
        if (pg) {
          ps.setBoolean(6, r.allowed());
          ps.setBoolean(8, r.enforced());
        } else {
          ps.setInt(6, r.allowed() ? 1 : 0);
          ps.setInt(8, r.enforced() ? 1 : 0);
        }
        ps.setString(7, r.mode());
        ps.setString(9, r.node());
        ps.setString(10, r.eventJson());
        ps.executeUpdate();
      }
    }
  }
}
