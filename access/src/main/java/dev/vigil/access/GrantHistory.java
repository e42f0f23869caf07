package dev.vigil.access;

import dev.vigil.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The grants of a span of time as the store keeps them, for a review: read only, unlike {@link
 * Grants}, which marks the grants it finds past their end as expired. A grant stored {@code active}
 * whose end has passed is returned so; {@link Grant#stateAt} tells its state at a time.
 * Thread-safe.
 */
public final class GrantHistory {

  private GrantHistory() {}

  /**
   * Some grants of a span, oldest first.
   *
   * @param grants the grants read, at most the {@code max} asked for
   * @param beyond how many more the span holds, newer than the last one read
   */
  public record Page(List<Grant> grants, long beyond) {
    public Page {
      grants = List.copyOf(grants);
    }
  }

  /**
   * Reads the grants whose life touched the span from {@code since}, included, to {@code until},
   * excluded: asked for before {@code until}, and pending still, or decided, counting or ended at
   * or after {@code since}.
   *
   * @param max the most grants returned
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static Page read(Store store, Instant since, Instant until, int max) {
    Objects.requireNonNull(store, "store");
    if (max < 1) {
      throw new IllegalArgumentException("max must be 1 or more, not " + max);
    }
    GrantStore grants = new GrantStore(store);
    long from = since.toEpochMilli();
    long to = until.toEpochMilli();
    List<Grant> read = grants.touching(from, to, max);
    long beyond = read.size() < max ? 0 : Math.max(0, grants.countTouching(from, to) - max);
    return new Page(read, beyond);
  }
}
