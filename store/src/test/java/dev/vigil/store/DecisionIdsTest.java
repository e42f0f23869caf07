package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DecisionIdsTest {

  @Test
  void ids_areVersion7WithTheirTimeInFront_andDistinct() {
    long before = System.currentTimeMillis();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = DecisionIds.next();
      UUID u = UUID.fromString(id);
      assertThat(u.version()).isEqualTo(7);
      assertThat(u.variant()).isEqualTo(2);
      long ms = u.getMostSignificantBits() >>> 16;
      assertThat(ms).isBetween(before, System.currentTimeMillis());
      assertThat(seen.add(id)).as("id %s made twice", id).isTrue();
    }
  }
}
