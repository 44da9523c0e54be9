package dev.tenancy.test;

import dev.tenancy.TenantId;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik arbitraries for tenant ids and multi-tenant scenarios.
 *
 * <pre>{@code
 * @Provide Arbitrary<List<TenantStep<String>>> steps() {
 *   return TenantArbitraries.interleavings(3, Arbitraries.of("put", "get", "delete"), 1, 40);
 * }
 * @Property void noCrossTenantLeak(@ForAll("steps") List<TenantStep<String>> steps) { ... }
 * }</pre>
 *
 * <p>Valid ids match {@code [a-z0-9][a-z0-9_-]{0,62}}, the syntax of {@link TenantId}. All methods return new,
 * immutable arbitraries and are thread-safe.
 */
public final class TenantArbitraries {
  private static final String FIRST = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final String REST = FIRST + "_-";
  private static final int MAX_LENGTH = 63;

  /** Valid ids at the edges of the syntax, which random generation would rarely hit. */
  private static final List<String> VALID_EDGES = List.of(
      "0", "a", "z", "9", "00", "a-", "a_", "0-", "9_", "a-b", "a_b", "0-_-_",
      "0123456789", "9".repeat(MAX_LENGTH), "a".repeat(MAX_LENGTH), "z" + "-".repeat(MAX_LENGTH - 1),
      "0" + "_".repeat(MAX_LENGTH - 1), "a".repeat(MAX_LENGTH - 1), "acme", "acme-corp", "tenant_42",
      // Ids that look like other syntaxes: they are valid and must be handled as plain text.
      "null", "true", "select", "drop", "public", "pg_catalog", "pgbouncer", "default", "con", "nul");

  /**
   * Malformed or hostile strings {@link TenantId#of} must reject, each for a known reason. Unicode look-alikes
   * include characters that some case-insensitive or normalising comparisons equate with ASCII letters.
   */
  private static final List<String> INVALID_FIXED = List.of(
      "", " ", "A", "Acme", "ACME", "acmE", "-acme", "_acme", "-", "_", "--", "a".repeat(MAX_LENGTH + 1),
      "acme ", " acme", "ac me", "acme\t", "acme\n", "acme\r\n", "\nacme", "acme\u0000", "\u0000",
      "acme'", "'", "a'; DROP TABLE invoices; --", "acme' OR '1'='1", "acme\"", "acme;", "--acme", "acme/*",
      "acme%", "%", "_%", "acme*", "acme:", "a:b", "{acme}", "acme{", "acme}", "acme/", "../acme", "a/b", "a\\b",
      "acme.", "a.b", "acme,", "acme@x", "acme#", "acme$", "acme?", "acme&", "acme=", "acme+", "acme!",
      "acme\u0430",      // Cyrillic a
      "\u0430cme",       // Cyrillic a first
      "acm\u0435",       // Cyrillic e
      "\u0131d",         // dotless i
      "\u017fome",       // long s, equals 's' case-insensitively
      "\u212aey",        // Kelvin sign, equals 'k' case-insensitively
      "acme\u200b",      // zero-width space
      "acme\u00a0",      // no-break space
      "acme\u0301",      // combining acute accent
      "\uff41cme",       // fullwidth a
      "\uff10",          // fullwidth 0
      "\u0661",          // Arabic-Indic digit one
      "acme\ufeff",      // byte order mark
      "acme\u202e",      // right-to-left override
      "\ud83d\ude00",    // emoji (surrogate pair)
      "acme\u007f",      // DEL
      "acme\u001b[31m",  // terminal escape
      "a".repeat(10_000));

  private static final String CONTROL = "\u0000\u0001\u0007\u0008\t\n\u000b\u000c\r\u001b\u007f\u0085\u2028\u2029";
  private static final String HOSTILE =
      "'\";%:{}[]()/\\.,*?!@#$&=+<>|`~^ " + CONTROL + "ABCZ\u0430\u0435\u0131\u017f\u212a\u200b\u00a0\uff41\u0301";

  private TenantArbitraries() {}

  /**
   * Valid tenant ids: one part boundary values (length 1 and 63, all digits, {@code -} and {@code _} runs, words
   * that are keywords elsewhere), one part short ids, two parts random ids of any valid length.
   *
   * @return an arbitrary of ids that {@link TenantId#of} accepts
   */
  public static Arbitrary<TenantId> tenantIds() {
    return Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.of(VALID_EDGES)),
            Tuple.of(2, ids(0, 3)),
            Tuple.of(4, ids(0, MAX_LENGTH - 1)))
        .map(TenantId::of);
  }

  /**
   * A list of {@code count} distinct valid tenant ids, for scenarios with a fixed number of tenants.
   *
   * @param count how many tenants, 1 to 100
   * @return an arbitrary of distinct ids
   * @throws IllegalArgumentException when {@code count} is outside 1..100
   */
  public static Arbitrary<List<TenantId>> tenantIds(int count) {
    if (count < 1 || count > 100) {
      throw new IllegalArgumentException("count must be between 1 and 100 but was " + count);
    }
    return tenantIds().list().ofSize(count).uniqueElements();
  }

  /**
   * Strings that are not valid tenant ids: empty, too long (64 up to 10,000 characters), uppercase, leading
   * {@code -} or {@code _}, whitespace, SQL fragments ({@code '}, {@code "}, {@code ;}, {@code --}), LIKE and glob
   * wildcards, key separators ({@code :}, <code>&#123;</code>, {@code /}), NUL and other control characters, Unicode
   * look-alikes, and valid ids with one such character inserted anywhere.
   *
   * @return an arbitrary of strings that {@link TenantId#of} must reject
   */
  public static Arbitrary<String> invalidTenantIds() {
    Arbitrary<String> valid = ids(0, MAX_LENGTH - 1);
    Arbitrary<String> withHostileChar = Combinators.combine(valid, Arbitraries.of(chars(HOSTILE)),
            Arbitraries.integers().between(0, MAX_LENGTH))
        .as((id, bad, at) -> {
          int i = Math.min(at, id.length());
          return id.substring(0, i) + bad + id.substring(i);
        });
    Arbitrary<String> badStart = Combinators.combine(Arbitraries.of('-', '_'), ids(0, MAX_LENGTH - 2))
        .as((c, id) -> c + id);
    Arbitrary<String> tooLong = Arbitraries.strings().withChars(REST).ofMinLength(MAX_LENGTH + 1).ofMaxLength(300)
        .map(s -> "a" + s);
    Arbitrary<String> uppercase = ids(0, MAX_LENGTH - 1)
        .filter(s -> s.chars().anyMatch(Character::isLetter))
        .map(String::toUpperCase);
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of(INVALID_FIXED)),
        Tuple.of(4, withHostileChar),
        Tuple.of(1, badStart),
        Tuple.of(1, tooLong),
        Tuple.of(1, uppercase));
  }

  /**
   * Random interleavings of operations by several tenants: each step pairs a tenant drawn from {@code tenants}
   * with an operation. To bound the number of distinct tenants, pass a small fixed set, e.g.
   * {@code Arbitraries.of(a, b, c)}, or use {@link #interleavings(int, Arbitrary, int, int)}.
   *
   * @param tenants the tenants that act
   * @param operations what they do
   * @param minSteps fewest steps, at least 0
   * @param maxSteps most steps, at least {@code minSteps}
   * @param <O> the operation type
   * @return an arbitrary of step lists; shrinking removes steps and simplifies tenants and operations
   * @throws IllegalArgumentException when the bounds are invalid
   */
  public static <O> Arbitrary<List<TenantStep<O>>> interleavings(
      Arbitrary<TenantId> tenants, Arbitrary<O> operations, int minSteps, int maxSteps) {
    Objects.requireNonNull(tenants, "tenants");
    checkSteps(operations, minSteps, maxSteps);
    return Combinators.combine(tenants, operations).as(TenantStep<O>::new)
        .list().ofMinSize(minSteps).ofMaxSize(maxSteps);
  }

  /**
   * Random interleavings of operations by {@code tenantCount} distinct random tenants.
   *
   * @param tenantCount how many distinct tenants take part, 1 to 100 (2 to 4 finds most leaks)
   * @param operations what they do
   * @param minSteps fewest steps, at least 0
   * @param maxSteps most steps, at least {@code minSteps}
   * @param <O> the operation type
   * @return an arbitrary of step lists
   * @throws IllegalArgumentException when a bound is invalid
   */
  public static <O> Arbitrary<List<TenantStep<O>>> interleavings(
      int tenantCount, Arbitrary<O> operations, int minSteps, int maxSteps) {
    checkSteps(operations, minSteps, maxSteps);
    return tenantIds(tenantCount).flatMap(ids -> interleavings(Arbitraries.of(ids), operations, minSteps, maxSteps));
  }

  private static void checkSteps(Arbitrary<?> operations, int minSteps, int maxSteps) {
    Objects.requireNonNull(operations, "operations");
    if (minSteps < 0 || maxSteps < minSteps) {
      throw new IllegalArgumentException(
          "need 0 <= minSteps <= maxSteps but minSteps was " + minSteps + " and maxSteps " + maxSteps);
    }
  }

  /** Random ids: a valid first character followed by {@code minRest..maxRest} valid characters. */
  private static Arbitrary<String> ids(int minRest, int maxRest) {
    return Combinators.combine(
            Arbitraries.of(chars(FIRST)),
            Arbitraries.strings().withChars(REST).ofMinLength(minRest).ofMaxLength(maxRest))
        .as((first, rest) -> first + rest);
  }

  private static List<Character> chars(String s) {
    return s.chars().mapToObj(c -> (char) c).toList();
  }
}
