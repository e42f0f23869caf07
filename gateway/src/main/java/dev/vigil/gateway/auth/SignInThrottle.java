package dev.vigil.gateway.auth;

import dev.vigil.store.SignInFailures;
import dev.vigil.store.StoreException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows down the guessing of passwords and one-time codes: failed sign-ins are counted per account
 * and per client address, and once either has failed too often the next attempts for it are refused
 * unheard for a while.
 *
 * <p>How it counts: each key (an account, by the key of its name that users are looked up by
 * ({@link UserNames#key}: NFKC and case folded), or an address, an IPv6 one by its /64 network:
 * {@link #addressCounted}) keeps the number of failures in a row and when the last one was.
 * Reaching the limit ({@code 5} for an account, {@code 20} for an address, which several people may
 * share) locks the key for one minute; each further failure after a lock locks it again for twice
 * as long, up to 15 minutes, so a lock is always bounded in time and its owner gets in once it is
 * over. The count is forgotten 15 minutes after the last failure, or after its lock if that ends
 * later; a successful sign-in forgets the account's count (never the address's: one account of
 * one's own must not reset the count of guesses at others), but only one that showed every factor
 * of the account: the password alone of a user with a one-time secret forgets nothing ({@link
 * #succeededInPart}).
 *
 * <p>A locked key is refused before the password is checked, so the answer is the same whether the
 * password was right, and a guess costs no Argon2id hash. The keys are held in memory by this node,
 * at most {@value #MAX_KEYS}; past that the key unused the longest is forgotten, which an attacker
 * can only force with failures from addresses that are not locked themselves.
 *
 * <p>With {@link SignInFailures} (a store the nodes share), failures are also counted there, and a
 * lock made from the shared count holds on every node: guesses spread over the nodes behind a load
 * balancer count together. The node's own count stays as it was, so a store that cannot be reached
 * leaves each node counting its own (logged as an error) rather than counting nothing. Attempts
 * being checked are counted per node only.
 *
 * <p>The store is asked as little as a flood of failures allows: an attempt this node's counts
 * refuse is refused without asking it, and a lock read from it, or started by its count, is kept in
 * this node's counts until it ends, so once an account or address is locked its attempts cost the
 * store nothing, on every node after the first it learns of. An attempt heard costs one call to
 * read the locks of its account and address; a failure one more to count both, and a third when it
 * locks. Thread-safe; with a store, a method may do I/O and is not for an event loop.
 */
public final class SignInThrottle {

  /** Keys remembered at most. */
  static final int MAX_KEYS = 50_000;

  /**
   * The limits.
   *
   * @param accountFailures failures in a row that lock an account
   * @param addressFailures failures in a row that lock a client address
   * @param firstLock the first lock; each next one is twice as long
   * @param maxLock the longest lock
   * @param forget a count without a failure this long after the last (or after its lock) starts
   *     over
   */
  public record Limits(
      int accountFailures,
      int addressFailures,
      Duration firstLock,
      Duration maxLock,
      Duration forget) {

    /** Five failures per account, twenty per address; locks of 1 to 15 minutes; 15 to forget. */
    public static final Limits DEFAULT =
        new Limits(5, 20, Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofMinutes(15));

    public Limits {
      if (accountFailures < 1 || addressFailures < 1) {
        throw new IllegalArgumentException(
            "failure limits must be at least 1, not "
                + accountFailures
                + " and "
                + addressFailures);
      }
      if (firstLock.isNegative() || firstLock.isZero() || maxLock.compareTo(firstLock) < 0) {
        throw new IllegalArgumentException(
            "locks must be positive with the first at most the longest, not "
                + firstLock
                + " and "
                + maxLock);
      }
    }
  }

  /**
   * One key's failures in a row, when the last was and until when it is locked (epoch ms), and the
   * attempts being checked now.
   */
  private static final class Count {
    int failures;
    int pending;
    long last;
    long lockedUntil;
  }

  private static final Logger log = LoggerFactory.getLogger(SignInThrottle.class);

  private final Limits limits;
  private final InstantSource clock;

  /** The failures counted by every node, or null. */
  private final SignInFailures shared;

  private final Map<String, Count> counts =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Count> eldest) {
          return size() > MAX_KEYS;
        }
      };

  public SignInThrottle(Limits limits, InstantSource clock) {
    this(limits, clock, null);
  }

  /**
   * @param shared the failures counted by every node sharing a store, or null to count on this node
   *     only
   */
  public SignInThrottle(Limits limits, InstantSource clock, SignInFailures shared) {
    this.limits = limits;
    this.clock = clock;
    this.shared = shared;
  }

  /** A throttle with the {@link Limits#DEFAULT} limits. */
  public static SignInThrottle withDefaults(InstantSource clock) {
    return new SignInThrottle(Limits.DEFAULT, clock);
  }

  /**
   * Asks to check an attempt for this account from this address. Returns {@link Duration#ZERO} when
   * it may be checked now; then exactly one of {@link #failed} or {@link #succeeded} must follow.
   * Otherwise returns how long to wait: the lock of the account or address, or one second while
   * attempts already being checked could reach the limit (so that attempts sent all at once are not
   * all heard before the first failure counts).
   *
   * @param account the name given at sign-in, or null
   * @param address the client's address, or null when unknown
   */
  public Duration begin(String account, String address) {
    synchronized (this) {
      long wait = waitHere(account, address, clock.millis());
      if (wait > 0) {
        // Refused unheard on what this node knows: the store is not asked, so a flood of attempts
        // at a locked account, or from a locked address, costs it nothing.
        return Duration.ofMillis(wait);
      }
    }
    Map<String, Long> shared = sharedLocks(account, address);
    synchronized (this) {
      long now = clock.millis();
      holdHere(shared, now);
      long wait = waitHere(account, address, now);
      if (wait > 0) {
        return Duration.ofMillis(wait);
      }
      count(accountKey(account), now).pending++;
      if (address != null) {
        count(addressKey(address), now).pending++;
      }
      return Duration.ZERO;
    }
  }

  /** Returns how many milliseconds an attempt must wait on this node's counts, 0 when none. */
  private long waitHere(String account, String address, long now) {
    long wait = Math.max(waitFor(accountKey(account), limits.accountFailures(), now), 0);
    if (address != null) {
      wait = Math.max(wait, waitFor(addressKey(address), limits.addressFailures(), now));
    }
    return wait;
  }

  /**
   * Keeps locks read from the store, or started by the shared count, in this node's counts until
   * they end, so that the attempts after them are refused without asking the store again.
   */
  private void holdHere(Map<String, Long> locks, long now) {
    locks.forEach(
        (key, until) -> {
          if (until > now) {
            Count c = count(key, now);
            c.lockedUntil = Math.max(c.lockedUntil, until);
          }
        });
  }

  /**
   * Counts a failed attempt (begun with {@link #begin}) for the account and the address.
   *
   * @return the lock it starts (the longer of the account's and the address's), or {@link
   *     Duration#ZERO} when it starts none
   */
  public Duration failed(String account, String address) {
    long now = clock.millis();
    Duration local;
    synchronized (this) {
      Duration a = fail(accountKey(account), limits.accountFailures(), now);
      Duration b =
          address == null
              ? Duration.ZERO
              : fail(addressKey(address), limits.addressFailures(), now);
      local = a.compareTo(b) >= 0 ? a : b;
    }
    Map<String, Long> shared = sharedFail(account, address, now);
    long everywhere = 0;
    synchronized (this) {
      holdHere(shared, now);
      for (long until : shared.values()) {
        everywhere = Math.max(everywhere, until - now);
      }
    }
    return local.toMillis() >= everywhere ? local : Duration.ofMillis(everywhere);
  }

  /** Ends an attempt (begun with {@link #begin}) that signed in: the account's failures go. */
  public void succeeded(String account, String address) {
    synchronized (this) {
      succeededHere(account, address);
    }
    if (shared != null) {
      try {
        shared.clear(accountKey(account));
      } catch (StoreException e) {
        log.error("failed sign-ins of an account not cleared in the store: {}", e.getMessage());
      }
    }
  }

  /**
   * Ends an attempt (begun with {@link #begin}) that signed in without showing every factor of the
   * account: the password alone of a user who has a one-time secret too. Nothing is forgotten: the
   * failures before it may have been guesses at the factor it did not show, and forgetting them
   * would let whoever has the password guess codes without limit.
   */
  public synchronized void succeededInPart(String account, String address) {
    Count c = counts.get(accountKey(account));
    if (c != null && c.pending > 0) {
      c.pending--;
    }
    if (address != null) {
      Count a = counts.get(addressKey(address));
      if (a != null && a.pending > 0) {
        a.pending--;
      }
    }
  }

  private void succeededHere(String account, String address) {
    Count c = counts.remove(accountKey(account));
    if (c != null && c.pending > 1) {
      // Other attempts for the account are still being checked: they end on a fresh count.
      Count rest = count(accountKey(account), clock.millis());
      rest.pending = c.pending - 1;
    }
    if (address != null) {
      Count a = counts.get(addressKey(address));
      if (a != null && a.pending > 0) {
        a.pending--;
      }
    }
  }

  /** Returns how many milliseconds the key must wait, 0 when none. */
  private long waitFor(String key, int limit, long now) {
    Count c = current(key, now);
    if (c == null) {
      return 0;
    }
    if (c.lockedUntil > now) {
      return c.lockedUntil - now;
    }
    // Past the limit, or about to reach it, one attempt is heard at a time.
    return c.pending > 0 && c.failures + c.pending >= limit ? 1000 : 0;
  }

  /** Returns the key's count, or null when it has none or it is forgotten by now. */
  private Count current(String key, long now) {
    Count c = counts.get(key);
    if (c != null
        && c.pending == 0
        && now - Math.max(c.last, c.lockedUntil) >= limits.forget().toMillis()) {
      counts.remove(key);
      return null;
    }
    return c;
  }

  private Count count(String key, long now) {
    Count c = current(key, now);
    if (c == null) {
      c = new Count();
      c.last = now;
      counts.put(key, c);
    }
    return c;
  }

  private Duration fail(String key, int limit, long now) {
    Count c = count(key, now);
    c.pending = Math.max(0, c.pending - 1);
    c.failures++;
    c.last = now;
    long lock = lockMillis(c.failures, limit);
    if (lock > 0) {
      c.lockedUntil = now + lock;
    }
    return Duration.ofMillis(lock);
  }

  /**
   * The lock that {@code failures} in a row start, 0 for none: the limit locks for firstLock, each
   * failure past it for twice the one before, up to maxLock.
   */
  private long lockMillis(int failures, int limit) {
    if (failures < limit) {
      return 0;
    }
    long lock = limits.firstLock().toMillis();
    for (int i = limit; i < failures && lock < limits.maxLock().toMillis(); i++) {
      lock *= 2;
    }
    return Math.min(lock, limits.maxLock().toMillis());
  }

  /** The ends of the shared locks of the account and the address (epoch ms), in one call. */
  private Map<String, Long> sharedLocks(String account, String address) {
    if (shared == null) {
      return Map.of();
    }
    List<String> keys = new ArrayList<>(List.of(accountKey(account)));
    if (address != null) {
      keys.add(addressKey(address));
    }
    try {
      return shared.locks(keys);
    } catch (StoreException e) {
      log.error(
          "failed sign-ins not read from the store, this node's count only: {}", e.getMessage());
      return Map.of();
    }
  }

  /**
   * Counts a failure of the account and the address in the store, in one call, and locks the keys
   * whose shared count reached their limit, in one more; returns the ends of those locks (epoch
   * ms).
   */
  private Map<String, Long> sharedFail(String account, String address, long now) {
    if (shared == null) {
      return Map.of();
    }
    List<String> keys = new ArrayList<>(List.of(accountKey(account)));
    List<Integer> limitsOf = new ArrayList<>(List.of(limits.accountFailures()));
    if (address != null) {
      keys.add(addressKey(address));
      limitsOf.add(limits.addressFailures());
    }
    Map<String, Long> locks = new HashMap<>();
    try {
      int[] counts = shared.fail(keys, now, limits.forget().toMillis());
      for (int i = 0; i < keys.size(); i++) {
        long lock = lockMillis(counts[i], limitsOf.get(i));
        if (lock > 0) {
          locks.put(keys.get(i), now + lock);
        }
      }
      shared.lock(locks);
    } catch (StoreException e) {
      log.error(
          "failed sign-in not counted in the store, this node's count only: {}", e.getMessage());
    }
    return locks;
  }

  private static String accountKey(String account) {
    return "account:" + UserNames.key(account);
  }

  private static String addressKey(String address) {
    return address == null ? null : "address:" + addressCounted(address);
  }

  /**
   * The part of a client address that is counted: an IPv4 address whole, an IPv6 address by its
   * first 64 bits (one customer's network: its owner can send from any address in it), written
   * {@code 2001:db8:0:1::/64}, and an IPv4 address mapped into IPv6 as that IPv4 address. Brackets
   * and a scope ({@code %eth0}) are left out. Anything that is not an IP address is counted as it
   * is written.
   */
  static String addressCounted(String address) {
    String literal = address.strip();
    if (literal.startsWith("[") && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    int scope = literal.indexOf('%');
    if (scope >= 0) {
      literal = literal.substring(0, scope);
    }
    // Only IP literals are parsed, so that getByName never looks a name up.
    boolean v6 = literal.contains(":") && literal.matches("[0-9a-fA-F:.]+");
    if (!v6 && !literal.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      return address;
    }
    InetAddress ip;
    try {
      ip = InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      return address;
    }
    if (ip instanceof Inet4Address) {
      return ip.getHostAddress();
    }
    byte[] bytes = ip.getAddress();
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff)));
      prefix.append(':');
    }
    return prefix.append(":/64").toString();
  }
}
