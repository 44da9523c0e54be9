package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.hikari.TenancyHikari;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.JDBCType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Walks every method of the {@code java.sql} interfaces our wrappers implement, by reflection, on wrappers reached
 * every way the application can reach them, over a real connection as the ordinary app role; fails if a call
 * hands back a driver object, or runs SQL that sees anything but the rows of the tenant in context.
 *
 * <p>Every SQL text the walk passes is {@link #PROBE}: it counts the invoice rows it can see and calls
 * {@code nextval} on the sequence named after that count and the bound setting ({@code probe_3_acme}, ...).
 * Sequences are not transactional, so the evidence survives the rollbacks of failed or abandoned calls; a call
 * whose SQL saw a combination with no sequence fails with an error that names it, which the walk reports too.
 * Each method is invoked on a freshly built object (so a {@code close()} or {@code abort} spoils nothing), inside a
 * transaction under the tenant it was built under; a call that ran SQL there or handed back an object that can is
 * invoked again in autocommit, under another tenant and with no tenant. Objects are built by the ways an
 * application reaches them (statements of every kind, result sets of queries, metadata, generated keys, arrays,
 * refcursors, updatable result sets), and every wrapper a call hands back is walked in turn. Without a tenant only
 * metadata may run SQL, bound to no tenant (it sees nothing: the documented exception to REFUSE); {@code unwrap}
 * hands back the driver's objects by design and is not walked further.
 */
@TenancyPostgres
class WrapperCoverageIT {

  /** The interfaces whose objects must never be the driver's. */
  private static final List<Class<?>> GUARDED =
      List.of(Connection.class, CallableStatement.class, PreparedStatement.class, Statement.class,
          ResultSet.class, DatabaseMetaData.class, Array.class);

  static final String PROBE = "SELECT nextval(('probe_' || (SELECT count(*) FROM invoices) || '_' || "
      + "coalesce(nullif(current_setting('tenancy.tenant_id', true), ''), 'none'))::regclass) AS c1";

  /** acme sees 3 invoices, globex 2, an unbound session none. */
  private static final Map<Context, String> EXPECTED =
      Map.of(Context.BUILT_UNDER, "probe_3_acme", Context.OTHER_TENANT, "probe_2_globex");

  private enum Context { BUILT_UNDER, OTHER_TENANT, NO_TENANT }

  private HikariDataSource pool;
  private TenantDataSource dataSource;
  private Connection admin;
  private final List<String> failures = new ArrayList<>();
  private final Map<Class<?>, Set<String>> walked = new LinkedHashMap<>();
  private final Map<String, Integer> sqlRuns = new TreeMap<>();
  private final List<String> nodes = new ArrayList<>();
  private int invocations;

  /** A way to reach a wrapper from a fresh connection. */
  @FunctionalInterface
  interface Builder {
    Object build(Connection connection) throws Exception;
  }

  private record Node(String path, Builder builder, int depth) {}

  @BeforeEach
  void setUp(TestDatabase db) throws SQLException {
    TestRole app = Fixtures.invoices(db);
    db.execute("CREATE TABLE notes (tenant_id text NOT NULL, id bigserial, body text, PRIMARY KEY (tenant_id, id))");
    db.execute(TenantPolicy.forTable("notes").build().statements().toArray(String[]::new));
    db.execute("INSERT INTO notes (tenant_id, body) VALUES ('acme', 'a'), ('globex', 'g')");
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO " + app.name(),
        "GRANT USAGE ON SEQUENCE notes_id_seq TO " + app.name());
    for (String tenant : List.of("none", "acme", "globex")) {
      for (int count : new int[] {0, 2, 3, 5}) {
        String sequence = "probe_" + count + "_" + tenant;
        db.execute("CREATE SEQUENCE " + sequence, "GRANT USAGE, UPDATE ON SEQUENCE " + sequence + " TO " + app.name());
      }
    }
    db.execute("CREATE FUNCTION probe_cursor() RETURNS refcursor LANGUAGE plpgsql AS $$ DECLARE c refcursor; "
        + "BEGIN OPEN c FOR " + PROBE + "; RETURN c; END $$",
        "GRANT EXECUTE ON FUNCTION probe_cursor() TO " + app.name());
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(app.jdbcUrl());
    config.setMaximumPoolSize(2);
    config.setMinimumIdle(0);
    TenancyHikari.apply(ConnectionSettings.DIRECT, config);
    // Hikari evicts a connection on "feature not supported", which the walk provokes by the hundred.
    config.setExceptionOverride(new SQLExceptionOverride() {
      @java.lang.Override
      public SQLExceptionOverride.Override adjudicate(SQLException e) {
        return "0A000".equals(e.getSQLState()) ? SQLExceptionOverride.Override.DO_NOT_EVICT
            : SQLExceptionOverride.Override.CONTINUE_EVICT;
      }
    });
    pool = new HikariDataSource(config);
    dataSource = TenantDataSource.wrap(pool);
    admin = db.adminDataSource().getConnection();
  }

  @AfterEach
  void tearDown() throws SQLException {
    admin.close();
    pool.close();
  }

  @Test
  void noMethodHandsBackADriverObjectOrRunsSqlOutsideTheTenantInContext() throws Exception {
    Deque<Node> queue = new ArrayDeque<>();
    queue.add(new Node("connection", c -> c, 0));
    queue.add(new Node("connection.getMetaData()", Connection::getMetaData, 1));
    queue.add(new Node("connection.createStatement()", Connection::createStatement, 1));
    queue.add(new Node("connection.prepareStatement(probe)", c -> c.prepareStatement(PROBE), 1));
    queue.add(new Node("connection.prepareCall(probe)", c -> c.prepareCall(PROBE), 1));
    queue.add(new Node("connection.createArrayOf(int4)", c -> c.createArrayOf("int4", new Object[] {1, 2}), 1));
    queue.add(new Node("array column", c -> row(c, "SELECT ARRAY[1, 2] AS c1"), 1));
    queue.add(new Node("refcursor column", c -> row(c, "SELECT probe_cursor() AS c1"), 1));
    queue.add(new Node("updatable result set", c -> {
      ResultSet rs = c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE)
          .executeQuery("SELECT tenant_id, id, body AS c1 FROM notes");
      rs.next();
      return rs;
    }, 1));
    queue.add(new Node("connection.getMetaData().getTables(..)", c -> {
      ResultSet rs = c.getMetaData().getTables(null, "public", "invoices", null);
      rs.next();
      return rs;
    }, 1));
    queue.add(new Node("generated keys", c -> {
      PreparedStatement insert =
          c.prepareStatement("INSERT INTO notes (body) VALUES ('k')", Statement.RETURN_GENERATED_KEYS);
      insert.executeUpdate();
      ResultSet keys = insert.getGeneratedKeys();
      keys.next();
      return keys;
    }, 1));
    queue.add(new Node("callable refcursor", c -> {
      CallableStatement call = c.prepareCall("{? = call probe_cursor()}");
      call.registerOutParameter(1, java.sql.Types.REF_CURSOR);
      call.execute();
      return call;
    }, 1));
    Set<String> explored = new HashSet<>();
    while (!queue.isEmpty()) {
      walk(queue.poll(), queue, explored);
    }

    String summary = walked.entrySet().stream()
        .map(e -> e.getKey().getSimpleName() + ": " + e.getValue().size() + " methods")
        .collect(Collectors.joining(", "));
    System.out.println("wrapper coverage: " + invocations + " invocations; " + summary + "; SQL runs " + sqlRuns
        + "; objects walked:\n  " + String.join("\n  ", nodes));
    assertThat(failures).as("calls that handed back a driver object or ran SQL outside the tenant").isEmpty();
    for (Class<?> type : GUARDED) {
      List<String> methods = Arrays.stream(type.getMethods())
          .filter(m -> !Modifier.isStatic(m.getModifiers()))
          .map(WrapperCoverageIT::signature)
          .collect(Collectors.toList());
      assertThat(walked.getOrDefault(type, Set.of())).as("methods of %s walked", type.getSimpleName())
          .containsAll(methods);
    }
    // The walk really ran SQL through every route that takes SQL text, and with the tenant bound.
    assertThat(sqlRuns.getOrDefault("probe_3_acme", 0)).isGreaterThan(40);
  }

  private static ResultSet row(Connection connection, String sql) throws SQLException {
    ResultSet rs = connection.createStatement().executeQuery(sql);
    rs.next();
    return rs;
  }

  private void walk(Node node, Deque<Node> queue, Set<String> explored) throws Exception {
    nodes.add(node.path());
    Object sample;
    try (TenantScope scope = TenantContext.open(ACME); Connection connection = dataSource.getConnection()) {
      connection.setReadOnly(false); // a walked setReadOnly(true) may outlive its connection's return to the pool
      connection.setAutoCommit(false);
      sample = node.builder().build(connection);
      checkOurs(node.path(), sample);
    }
    Map<String, Method> methods = new TreeMap<>();
    for (Class<?> type : GUARDED) {
      if (type.isInstance(sample)) {
        for (Method method : type.getMethods()) {
          if (!Modifier.isStatic(method.getModifiers())) {
            methods.putIfAbsent(signature(method), method);
            walked.computeIfAbsent(type, t -> new LinkedHashSet<>()).add(signature(method));
          }
        }
      }
    }
    for (Method method : methods.values()) {
      for (Object[] args : arguments(method)) {
        Outcome outcome = invoke(node, method, args, Context.BUILT_UNDER, false);
        Object result = outcome.result();
        boolean guarded = result != null && GUARDED.stream().anyMatch(t -> t.isInstance(result));
        // A call that ran SQL or handed back an object that can is tried again in every other context; one that
        // did neither under its own tenant has nothing to run under another.
        if (outcome.ranSql() || guarded) {
          invoke(node, method, args, Context.BUILT_UNDER, true);
          invoke(node, method, args, Context.OTHER_TENANT, false);
          invoke(node, method, args, Context.NO_TENANT, false);
        }
        // unwrap is the documented way to the driver's objects: nothing behind it is ours to walk.
        if (guarded && node.depth() < 3 && !method.getName().equals("unwrap")
            && explored.add(result.getClass().getSimpleName() + " from " + sample.getClass().getSimpleName()
                + (node.path().contains("getMetaData") ? " (metadata)" : ""))) {
          Builder parent = node.builder();
          queue.add(new Node(node.path() + "." + method.getName() + describe(args),
              c -> method.invoke(parent.build(c), args), node.depth() + 1));
        }
      }
    }
  }

  private record Outcome(Object result, boolean ranSql) {}

  /** Invokes {@code method} on a fresh object of {@code node} and checks what it returned and what SQL it ran. */
  private Outcome invoke(Node node, Method method, Object[] args, Context context, boolean autoCommit)
      throws SQLException {
    invocations++;
    String call = node.path() + "." + method.getName() + describe(args) + " [" + context
        + (autoCommit ? ", autocommit" : "") + "]";
    Object result = null;
    Map<String, Long> before;
    Map<String, Long> after;
    Connection connection = null;
    try (TenantScope built = TenantContext.open(ACME)) {
      connection = dataSource.getConnection();
      connection.setReadOnly(false);
      connection.setAutoCommit(autoCommit);
      Object receiver;
      try {
        receiver = node.builder().build(connection);
      } catch (Exception e) {
        if (!autoCommit) { // some objects (an open refcursor) exist only inside a transaction
          failures.add(call + ": could not build the receiver: " + e);
        }
        return new Outcome(null, false);
      }
      before = counters();
      try (TenantScope inner = context == Context.OTHER_TENANT ? TenantContext.open(GLOBEX)
          : context == Context.NO_TENANT ? TenantContext.openSystem("wrapper coverage: no tenant") : null) {
        result = method.invoke(receiver, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (String.valueOf(cause.getMessage()).contains("\"probe_")) {
          failures.add(call + ": its SQL saw rows outside the tenant in context: " + cause.getMessage());
        }
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
      after = counters();
    } finally {
      closeQuietly(connection);
    }
    Map<String, Long> ran = new TreeMap<>();
    after.forEach((sequence, value) -> {
      long delta = value - before.getOrDefault(sequence, 0L);
      if (delta != 0) {
        ran.put(sequence, delta);
      }
    });
    ran.forEach((sequence, delta) -> sqlRuns.merge(sequence, delta.intValue(), Integer::sum));
    boolean ranSql = !ran.isEmpty();
    ran.keySet().removeIf(sequence -> sequence.equals(EXPECTED.get(context))
        // Metadata runs without a tenant as BIND_NONE (documented): it sees nothing.
        || (context == Context.NO_TENANT && node.path().contains("getMetaData") && sequence.equals("probe_0_none")));
    if (!ran.isEmpty()) {
      failures.add(call + ": ran SQL that saw " + ran.keySet() + " (expected "
          + EXPECTED.getOrDefault(context, "refusal") + ")");
    }
    if (!method.getName().equals("unwrap")) {
      checkOurs(call, result);
    }
    return new Outcome(result, ranSql);
  }

  /** The walk may have closed or aborted it already; the pool discards a broken one. */
  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already closed or broken by the method under test
      }
    }
  }

  private void checkOurs(String call, Object result) {
    if (result != null && GUARDED.stream().anyMatch(t -> t.isInstance(result))
        && !result.getClass().getPackageName().equals("dev.tenancy.jdbc")) {
      failures.add(call + ": returned the driver's " + result.getClass().getName());
    }
  }

  private Map<String, Long> counters() throws SQLException {
    Map<String, Long> values = new HashMap<>();
    try (Statement statement = admin.createStatement();
         ResultSet rs = statement.executeQuery("SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
             + "WHERE sequencename LIKE 'probe\\_%'")) {
      while (rs.next()) {
        values.put(rs.getString(1), rs.getLong(2));
      }
    }
    return values;
  }

  // ---- plausible arguments

  private static final Set<String> TAKES_SQL = Set.of("prepareStatement", "prepareCall", "nativeSQL", "execute",
      "executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch");

  /** One or more argument lists for {@code method}: the SQL it takes is the probe, the rest plausible values. */
  private static List<Object[]> arguments(Method method) {
    Class<?>[] types = method.getParameterTypes();
    List<Object[]> variants = new ArrayList<>();
    variants.add(new Object[types.length]);
    boolean creates = method.getDeclaringClass() == Connection.class
        && (method.getName().startsWith("create") || method.getName().startsWith("prepare"));
    int ints = 0;
    for (int i = 0; i < types.length; i++) {
      Class<?> type = types[i];
      if (type == Class.class) {
        List<Object[]> expanded = new ArrayList<>();
        for (Object[] variant : variants) {
          for (Class<?> asked : List.of(Object.class, ResultSet.class, Array.class, String.class)) {
            Object[] copy = variant.clone();
            copy[i] = asked;
            expanded.add(copy);
          }
        }
        variants = expanded;
        continue;
      }
      Object value;
      if (type == String.class) {
        value = i == 0 && TAKES_SQL.contains(method.getName()) ? PROBE
            : method.getName().equals("createArrayOf") ? "int4"
            : method.getName().equals("setSchema") ? "public" : "c1";
      } else if (type == int.class) {
        value = creates && types.length > 2 ? new int[] {ResultSet.TYPE_SCROLL_INSENSITIVE,
            ResultSet.CONCUR_READ_ONLY, ResultSet.HOLD_CURSORS_OVER_COMMIT}[Math.min(ints, 2)]
            : method.getName().equals("setNetworkTimeout") ? 10_000 : 1;
        ints++;
      } else {
        value = plainValue(type);
      }
      for (Object[] variant : variants) {
        variant[i] = value;
      }
    }
    return variants;
  }

  private static Object plainValue(Class<?> type) {
    if (type == long.class) {
      return 1L;
    } else if (type == boolean.class) {
      return true;
    } else if (type == short.class) {
      return (short) 1;
    } else if (type == byte.class) {
      return (byte) 1;
    } else if (type == double.class) {
      return 1.0d;
    } else if (type == float.class) {
      return 1.0f;
    } else if (type == Object.class) {
      return "1";
    } else if (type == Object[].class) {
      return new Object[] {1, 2};
    } else if (type == int[].class) {
      return new int[] {1};
    } else if (type == String[].class) {
      return new String[] {"c1"};
    } else if (type == byte[].class) {
      return new byte[] {1};
    } else if (type == Map.class) {
      return new HashMap<String, Class<?>>();
    } else if (type == Properties.class) {
      return new Properties();
    } else if (type == Calendar.class) {
      return Calendar.getInstance();
    } else if (type == BigDecimal.class) {
      return BigDecimal.ONE;
    } else if (type == Date.class) {
      return new Date(0);
    } else if (type == Time.class) {
      return new Time(0);
    } else if (type == Timestamp.class) {
      return new Timestamp(0);
    } else if (type == SQLType.class) {
      return JDBCType.INTEGER;
    } else if (type == java.io.InputStream.class) {
      return new ByteArrayInputStream(new byte[] {1});
    } else if (type == java.io.Reader.class) {
      return new StringReader("1");
    } else if (type == Executor.class) {
      return (Executor) Runnable::run;
    }
    return null; // Blob, Clob, Array, Ref, Savepoint, ShardingKey, URL, ...: none to hand
  }

  private static String describe(Object[] args) {
    return Arrays.stream(args)
        .map(a -> a == PROBE ? "probe" : a instanceof Class ? ((Class<?>) a).getSimpleName() + ".class"
            : a instanceof String ? "'" + a + "'"
            : a instanceof Object[] objects ? Arrays.deepToString(objects)
            : a instanceof int[] ints ? Arrays.toString(ints) : String.valueOf(a))
        .collect(Collectors.joining(", ", "(", ")"));
  }

  private static String signature(Method method) {
    return method.getName() + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
        .collect(Collectors.joining(",", "(", ")"));
  }
}
