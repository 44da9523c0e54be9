package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The scan that tells whether SQL text may end a transaction or undo the binding. Missing one would let a
 * statement run with a stale binding, so it is checked against a regular expression that states the rule.
 */
class TransactionControlTest {

  /** The rule: a keyword at the start of the SQL or after a semicolon, past white space and comments. */
  private static final Pattern RULE = Pattern.compile(
      "(?is)(?:^|;)\\s*(?:(?:/\\*.*?\\*/|--[^\\n\\r]*[\\n\\r])\\s*)*(?:rollback|abort|commit|end|begin|start"
          + "|release|reset|discard|prepare\\s+transaction|call|do|\\{\\s*(?:\\?\\s*=\\s*)?call)\\b");

  private static final List<String> TOKENS = List.of(
      "rollback", "ROLLBACK", "Rollback", "abort", "commit", "COMMIT", "end", "begin", "start", "release",
      "prepare", "transaction", "call", "do", "DO", "reset", "discard", "all", "to", "savepoint", "s1", "select",
      "insert", "commits", "resets", "ending", "do_it", "callx", "calls", "x", "1", "_", "'", "\"", "(", ")", "{",
      "}", "?", "=", ";", ";", ";", " ", " ", "  ", "\t", "\n", "\r\n", "\r", "/*", "*/", "/* c */", "--", "-- c\n", "-- c\r", "-",
      "*", "/");

  @Property(tries = 10000)
  void agreesWithTheRule(@ForAll("sql") String sql) {
    assertThat(Binder.isTransactionControl(sql)).as("%s", sql).isEqualTo(RULE.matcher(sql).find());
  }

  @Provide
  Arbitrary<String> sql() {
    return Arbitraries.of(TOKENS).list().ofMaxSize(12).map(tokens -> String.join("", tokens));
  }

  @Example
  void recognisesTheStatementsThatEndOrUndoABinding() {
    assertThat(List.of("COMMIT", "  rollback to savepoint s1", "select 1; commit", "/* x */ -- y\n begin",
        "PREPARE  TRANSACTION 'x'", "{call f(?)}", "{ ? = call f(?) }", "do $$ begin end $$", "end", "abort;",
        "/* outer /* nested */ still a comment */ COMMIT", "RESET ALL", "discard all",
        "--x\rCOMMIT AND CHAIN", "-- a\r\nrollback"))
        .allSatisfy(sql -> assertThat(Binder.isTransactionControl(sql)).as(sql).isTrue());
    assertThat(List.of("select 1", "insert into commits values (1)", "select * from t where x = 'a'",
        "/* commit", "-- commit", "update t set done = true", "prepare p as select 1", "callx()", ""))
        .allSatisfy(sql -> assertThat(Binder.isTransactionControl(sql)).as(sql).isFalse());
  }
}
