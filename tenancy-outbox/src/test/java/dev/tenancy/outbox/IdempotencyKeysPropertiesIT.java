package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Any interleaving of first, repeated, concurrent (in-flight), conflicting and failing requests on two connections
 * gives exactly one execution per committed key, and the documented outcome for every request.
 */
class IdempotencyKeysPropertiesIT {
  static final TenantId TENANT = TenantId.of("acme");
  static OutboxDb db;
  static IdempotencyKeys keys;

  @BeforeContainer
  static void setUp() {
    db = OutboxDb.create(false, 2);
    db.db.execute("CREATE TABLE idem_effects (k text NOT NULL, payload text NOT NULL)",
        "GRANT SELECT, INSERT ON idem_effects TO " + db.app.name());
    keys = IdempotencyKeys.builder().schema(db.schema).build();
  }

  @AfterContainer
  static void tearDown() {
    db.close();
  }

  sealed interface Op permits Exec, Commit, Rollback {
  }

  record Exec(int conn, String key, String payload, boolean failing) implements Op {
  }

  record Commit(int conn) implements Op {
  }

  record Rollback(int conn) implements Op {
  }

  @Provide
  Arbitrary<List<Op>> programs() {
    Arbitrary<Integer> conn = Arbitraries.integers().between(0, 1);
    Arbitrary<Op> exec = Combinators.combine(conn, Arbitraries.of("k1", "k2"), Arbitraries.of("p1", "p2"),
        Arbitraries.integers().between(0, 4).map(i -> i == 0)).as(Exec::new);
    Arbitrary<Op> commit = conn.map(Commit::new);
    Arbitrary<Op> rollback = conn.map(Rollback::new);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, exec), net.jqwik.api.Tuple.of(3, commit), net.jqwik.api.Tuple.of(1, rollback))
        .list().ofMinSize(1).ofMaxSize(16);
  }

  @Property(tries = 150)
  void exactlyOneExecutionPerKeyAndTheDocumentedErrors(@ForAll("programs") List<Op> program) throws Exception {
    db.db.execute("TRUNCATE idem_effects", "TRUNCATE idempotency_keys");
    Map<String, String> committed = new HashMap<>();
    List<Map<String, String>> pending = List.of(new HashMap<>(), new HashMap<>());
    List<Set<String>> locks = List.of(new HashSet<>(), new HashSet<>());
    try (TenantScope scope = TenantContext.open(TENANT); Connection c0 = db.tenantDs.getConnection();
        Connection c1 = db.tenantDs.getConnection()) {
      Connection[] cs = {c0, c1};
      for (Connection c : cs) {
        c.setAutoCommit(false);
      }
      for (Op op : program) {
        if (op instanceof Commit commit) {
          cs[commit.conn()].commit();
          committed.putAll(pending.get(commit.conn()));
          pending.get(commit.conn()).clear();
          locks.get(commit.conn()).clear();
        } else if (op instanceof Rollback rollback) {
          rollbackModel(cs, pending, locks, rollback.conn());
        } else if (op instanceof Exec e) {
          int other = 1 - e.conn();
          IdempotencyKeys.Request request = IdempotencyKeys.Request.of("user-1", "charge", e.key(), e.payload());
          IdempotencyKeys.Action action = c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO idem_effects VALUES (?, ?)")) {
              ps.setString(1, e.key());
              ps.setString(2, e.payload());
              ps.executeUpdate();
            }
            if (e.failing()) {
              throw new SQLException("the request failed");
            }
            return e.payload().getBytes(StandardCharsets.UTF_8);
          };
          if (locks.get(other).contains(e.key())) {
            assertThatThrownBy(() -> keys.execute(cs[e.conn()], request, action))
                .isInstanceOf(IdempotencyKeyInFlightException.class);
            rollbackModel(cs, pending, locks, e.conn());
            continue;
          }
          String visible = pending.get(e.conn()).getOrDefault(e.key(), committed.get(e.key()));
          if (visible != null && !visible.equals(e.payload())) {
            assertThatThrownBy(() -> keys.execute(cs[e.conn()], request, action))
                .isInstanceOf(IdempotencyKeyMismatchException.class)
                .satisfies(x -> assertThat(((IdempotencyKeyMismatchException) x).httpStatus()).isEqualTo(422));
            rollbackModel(cs, pending, locks, e.conn());
          } else if (visible != null) {
            IdempotencyKeys.Outcome o = keys.execute(cs[e.conn()], request, action);
            assertThat(o.replayed()).isTrue();
            assertThat(new String(o.response(), StandardCharsets.UTF_8)).isEqualTo(visible);
            locks.get(e.conn()).add(e.key());
          } else if (e.failing()) {
            assertThatThrownBy(() -> keys.execute(cs[e.conn()], request, action)).isInstanceOf(SQLException.class);
            rollbackModel(cs, pending, locks, e.conn());
          } else {
            IdempotencyKeys.Outcome o = keys.execute(cs[e.conn()], request, action);
            assertThat(o.replayed()).isFalse();
            pending.get(e.conn()).put(e.key(), e.payload());
            locks.get(e.conn()).add(e.key());
          }
        }
      }
      for (int i = 0; i < 2; i++) {
        cs[i].commit();
        committed.putAll(pending.get(i));
      }
    }
    Map<String, List<String>> effects = new HashMap<>();
    try (Connection c = db.db.adminDataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT k, payload FROM idem_effects")) {
      while (rs.next()) {
        effects.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
      }
    }
    Map<String, List<String>> expected = new HashMap<>();
    committed.forEach((k, p) -> expected.put(k, List.of(p)));
    assertThat(effects).isEqualTo(expected);
  }

  private static void rollbackModel(Connection[] cs, List<Map<String, String>> pending, List<Set<String>> locks,
      int conn) throws SQLException {
    cs[conn].rollback();
    pending.get(conn).clear();
    locks.get(conn).clear();
  }
}
