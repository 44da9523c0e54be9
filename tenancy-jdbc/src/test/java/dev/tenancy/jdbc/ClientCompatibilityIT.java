package dev.tenancy.jdbc;

import static dev.tenancy.jdbc.Fixtures.ACME;
import static dev.tenancy.jdbc.Fixtures.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import dev.tenancy.jdbc.hikari.TenancyHikari;
import dev.tenancy.test.TenancyPostgres;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.ibatis.annotations.Delete;
import org.apache.ibatis.annotations.Insert;
import org.apache.ibatis.annotations.Options;
import org.apache.ibatis.annotations.Select;
import org.apache.ibatis.annotations.Update;
import org.apache.ibatis.executor.BatchResult;
import org.apache.ibatis.mapping.Environment;
import org.apache.ibatis.session.Configuration;
import org.apache.ibatis.session.ExecutorType;
import org.apache.ibatis.session.LocalCacheScope;
import org.apache.ibatis.session.SqlSession;
import org.apache.ibatis.session.SqlSessionFactory;
import org.apache.ibatis.session.SqlSessionFactoryBuilder;
import org.apache.ibatis.transaction.jdbc.JdbcTransactionFactory;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Real clients over the binding: the same scenarios through Spring JDBC, MyBatis and jOOQ, once on the wrapped pool
 * ({@link TenantDataSource} over Hikari, app role, the RLS schema {@link TenantPolicy} generates) and once on an
 * unwrapped pool per tenant whose sessions are preset to that tenant (the baseline, in a database of its own with
 * the plain {@code tenant_id = current_setting(..)} policy). Every result, update count, generated key, exception
 * type and SQLState, and the rows left in the table, must be the same. Tenants change only between transactions.
 *
 * <p>jOOQ is 3.19, the last release line that runs on Java 17.
 */
@TenancyPostgres
class ClientCompatibilityIT {

  private static final TenantId INITECH = TenantId.of("initech");
  private static final List<TenantId> TENANTS = List.of(ACME, GLOBEX);
  private static final String TABLE = "CREATE TABLE items (tenant_id text NOT NULL, id bigserial, "
      + "name text NOT NULL, qty int NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))";

  static {
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  private TestDatabase db;
  private TestDatabase baselineDb;
  private HikariDataSource pool;
  private TenantDataSource wrapped;
  private final Map<TenantId, HikariDataSource> baseline = new HashMap<>();

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    db.execute(TABLE);
    db.execute(TenantPolicy.forTable("items").build().statements().toArray(String[]::new));
    TestRole app = grant(db);
    pool = pool(app.jdbcUrl(), 4, null);
    wrapped = TenantDataSource.wrap(pool);

    baselineDb = TestDatabase.create();
    baselineDb.execute(TABLE,
        "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE items FORCE ROW LEVEL SECURITY",
        "CREATE POLICY preset ON items USING (tenant_id = current_setting('tenancy.tenant_id', true)) "
            + "WITH CHECK (tenant_id = current_setting('tenancy.tenant_id', true))",
        "ALTER TABLE items ALTER COLUMN tenant_id SET DEFAULT nullif(current_setting('tenancy.tenant_id', true), '')");
    TestRole baselineApp = grant(baselineDb);
    for (TenantId tenant : List.of(ACME, GLOBEX, INITECH)) {
      baseline.put(tenant, pool(baselineApp.jdbcUrl(), 2,
          "SELECT set_config('tenancy.tenant_id', '" + tenant.value() + "', false)"));
    }
  }

  private static TestRole grant(TestDatabase database) {
    TestRole app = database.createRole("app");
    database.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON items TO " + app.name(),
        "GRANT USAGE ON SEQUENCE items_id_seq TO " + app.name());
    return app;
  }

  private static HikariDataSource pool(String jdbcUrl, int size, String initSql) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    if (initSql != null) {
      config.setConnectionInitSql(initSql);
    }
    TenancyHikari.apply(ConnectionSettings.DIRECT, config);
    return new HikariDataSource(config);
  }

  @AfterEach
  void tearDown() {
    pool.close();
    baseline.values().forEach(HikariDataSource::close);
    baselineDb.close();
  }

  // ---- the comparison

  /** A scenario: the same client code, given the data source of one side and a transcript to write to. */
  @FunctionalInterface
  interface Scenario {
    void run(DataSource dataSource, Transcript transcript) throws Exception;
  }

  /** What a scenario observed, line by line; an exception is recorded by its type and SQLState. */
  static final class Transcript {
    final List<String> lines = new ArrayList<>();

    void add(String label, Object value) {
      lines.add(label + " = " + (value instanceof int[] ints ? Arrays.toString(ints) : value));
    }

    void attempt(String label, Step step) {
      try {
        add(label, step.run());
      } catch (Exception e) {
        add(label, failure(e));
      }
    }

    static String failure(Throwable e) {
      StringBuilder text = new StringBuilder("failed: ").append(e.getClass().getSimpleName());
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof SQLException) {
          text.append(" / ").append(cause.getClass().getSimpleName()).append(' ')
              .append(((SQLException) cause).getSQLState());
          break;
        }
      }
      return text.toString();
    }
  }

  @FunctionalInterface
  interface Step {
    Object run() throws Exception;
  }

  private void seed(TestDatabase database) {
    database.execute("TRUNCATE items RESTART IDENTITY",
        "INSERT INTO items (tenant_id, name, qty) VALUES ('acme', 'a1', 1), ('acme', 'a2', 2), ('globex', 'g1', 10)");
  }

  private static List<String> rows(TestDatabase database) throws SQLException {
    return Fixtures.rows(database.adminDataSource(),
        "SELECT tenant_id || ':' || id || ':' || name || ':' || qty FROM items ORDER BY tenant_id, id");
  }

  /** Runs {@code scenario} for each tenant on both sides and fails on the first difference. */
  private void compare(String name, Scenario scenario) throws Exception {
    List<String> sides = new ArrayList<>();
    for (boolean isWrapped : new boolean[] {true, false}) {
      TestDatabase database = isWrapped ? db : baselineDb;
      seed(database);
      Transcript transcript = new Transcript();
      for (TenantId tenant : TENANTS) {
        transcript.lines.add("-- " + tenant.value());
        try (TenantScope scope = TenantContext.open(tenant)) {
          scenario.run(isWrapped ? wrapped : baseline.get(tenant), transcript);
        }
      }
      transcript.lines.add("-- table");
      transcript.lines.addAll(rows(database));
      sides.add(String.join("\n", transcript.lines));
    }
    assertThat(sides.get(0)).as(name + ": wrapped (actual) vs unwrapped preset pool (expected)")
        .isEqualTo(sides.get(1));
    // The scenarios do observe something: rows, counts, keys.
    assertThat(sides.get(0)).contains("-- table");
  }

  // ---- Spring JDBC

  private static final String INSERT = "INSERT INTO items (name, qty) VALUES (?, ?)";

  private static long springInsert(JdbcTemplate jdbc, String itemName, int qty) {
    GeneratedKeyHolder keys = new GeneratedKeyHolder();
    jdbc.update(connection -> {
      PreparedStatement statement = connection.prepareStatement(INSERT, new String[] {"id"});
      statement.setString(1, itemName);
      statement.setInt(2, qty);
      return statement;
    }, keys);
    return keys.getKey().longValue();
  }

  @Test
  void springJdbcTemplateAndTransactionTemplate() throws Exception {
    compare("Spring JDBC", (dataSource, t) -> {
      JdbcTemplate jdbc = new JdbcTemplate(dataSource);
      DataSourceTransactionManager manager = new DataSourceTransactionManager(dataSource);
      TransactionTemplate required = new TransactionTemplate(manager);
      TransactionTemplate nested = new TransactionTemplate(manager);
      nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
      TransactionTemplate requiresNew = new TransactionTemplate(manager);
      requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);

      t.attempt("autocommit key", () -> springInsert(jdbc, "s1", 1));
      t.attempt("list", () -> jdbc.queryForList("SELECT name, qty FROM items ORDER BY name"));
      t.attempt("update count", () -> jdbc.update("UPDATE items SET qty = qty + 1"));
      t.attempt("batch", () -> jdbc.batchUpdate(INSERT, List.of(new Object[] {"b1", 1}, new Object[] {"b2", 2})));
      t.attempt("duplicate", () -> springInsert(jdbc, "s1", 1));
      t.attempt("other tenant's row", () -> jdbc.update(
          "INSERT INTO items (tenant_id, name, qty) VALUES ('initech', 'x', 0)"));
      t.attempt("REQUIRED rolled back", () -> required.execute(status -> {
        long key = springInsert(jdbc, "r1", 1);
        status.setRollbackOnly();
        return key;
      }));
      t.attempt("REQUIRED committed", () -> required.execute(status -> List.of(springInsert(jdbc, "r2", 2),
          jdbc.update("DELETE FROM items WHERE name = 'b1'"),
          jdbc.queryForObject("SELECT count(*) FROM items", Long.class))));
      t.attempt("NESTED savepoint", () -> required.execute(status -> {
        List<Object> seen = new ArrayList<>();
        seen.add(springInsert(jdbc, "n-outer", 1));
        try {
          nested.execute(inner -> {
            springInsert(jdbc, "n-inner", 1);
            return springInsert(jdbc, "n-outer", 1); // duplicate: rolls back to the savepoint
          });
        } catch (DataAccessException e) {
          seen.add(Transcript.failure(e));
        }
        seen.add(nested.execute(inner -> springInsert(jdbc, "n-kept", 1)));
        seen.add(jdbc.queryForList("SELECT name FROM items ORDER BY name", String.class));
        return seen;
      }));
      t.attempt("REQUIRES_NEW", () -> {
        try {
          required.execute(status -> {
            springInsert(jdbc, "outer-rolled-back", 1);
            requiresNew.execute(inner -> springInsert(jdbc, "inner-committed", 1));
            throw new IllegalStateException("roll back the outer transaction");
          });
        } catch (IllegalStateException e) {
          return jdbc.queryForList("SELECT name FROM items ORDER BY name", String.class);
        }
        return "not rolled back";
      });
      t.attempt("failed transaction", () -> required.execute(status -> {
        try {
          jdbc.queryForObject("SELECT 1/0", Integer.class);
        } catch (DataAccessException e) {
          return List.of(Transcript.failure(e), afterFailure(jdbc));
        }
        return "no error";
      }));
    });
  }

  private static String afterFailure(JdbcTemplate jdbc) {
    try {
      return String.valueOf(jdbc.queryForObject("SELECT count(*) FROM items", Long.class));
    } catch (DataAccessException e) {
      return Transcript.failure(e);
    }
  }

  // ---- MyBatis

  /** The rows of {@code items} as MyBatis maps them. */
  public static final class Item {
    private Long id;
    private String name;
    private int qty;

    public Item() {}

    Item(String name, int qty) {
      this.name = name;
      this.qty = qty;
    }

    public Long getId() {
      return id;
    }

    public void setId(Long id) {
      this.id = id;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public int getQty() {
      return qty;
    }

    public void setQty(int qty) {
      this.qty = qty;
    }

    @Override
    public String toString() {
      return id + ":" + name + ":" + qty;
    }
  }

  /** A mapper by annotations. */
  public interface ItemMapper {
    @Insert("INSERT INTO items (name, qty) VALUES (#{name}, #{qty})")
    @Options(useGeneratedKeys = true, keyProperty = "id", keyColumn = "id")
    int insert(Item item);

    @Select("SELECT id, name, qty FROM items ORDER BY name")
    List<Item> all();

    @Select("SELECT count(*) FROM items")
    long count();

    @Update("UPDATE items SET qty = qty + #{delta}")
    int bump(int delta);

    @Delete("DELETE FROM items WHERE name = #{name}")
    int delete(String name);
  }

  static SqlSessionFactory myBatis(DataSource dataSource, LocalCacheScope localCache) {
    Configuration configuration = new Configuration(
        new Environment("tenancy", new JdbcTransactionFactory(), dataSource));
    configuration.setLocalCacheScope(localCache);
    configuration.addMapper(ItemMapper.class);
    return new SqlSessionFactoryBuilder().build(configuration);
  }

  @Test
  void myBatisExecutorsAndLocalCache() throws Exception {
    compare("MyBatis", (dataSource, t) -> {
      for (LocalCacheScope cache : LocalCacheScope.values()) {
        SqlSessionFactory factory = myBatis(dataSource, cache);
        for (ExecutorType executor : ExecutorType.values()) {
          String prefix = cache + "/" + executor + " ";
          String item = (cache + "-" + executor).toLowerCase(Locale.ROOT);
          try (SqlSession session = factory.openSession(executor, false)) {
            ItemMapper mapper = session.getMapper(ItemMapper.class);
            Item first = new Item(item + "-1", 1);
            Item second = new Item(item + "-2", 2);
            t.attempt(prefix + "inserts", () -> List.of(mapper.insert(first), mapper.insert(second)));
            t.attempt(prefix + "flush", () -> session.flushStatements().stream()
                .map(BatchResult::getUpdateCounts).map(Arrays::toString).toList());
            t.attempt(prefix + "keys", () -> List.of(String.valueOf(first.getId()), String.valueOf(second.getId())));
            t.attempt(prefix + "bump", () -> mapper.bump(1));
            t.attempt(prefix + "all twice", () -> List.of(mapper.all(), mapper.all()));
            t.attempt(prefix + "delete", () -> mapper.delete(item + "-1"));
            t.attempt(prefix + "duplicate", () -> {
              mapper.insert(new Item(item + "-2", 2));
              session.flushStatements();
              return "no error";
            });
            session.rollback(true); // after the duplicate the transaction is aborted; start over
            t.attempt(prefix + "again", () -> {
              mapper.insert(new Item(item + "-3", 3));
              session.flushStatements();
              session.commit();
              return mapper.count();
            });
          }
        }
      }
    });
  }

  // ---- jOOQ

  private static final Table<Record> ITEMS = table(name("items"));
  private static final Field<Long> ID = field(name("id"), SQLDataType.BIGINT);
  private static final Field<String> NAME = field(name("name"), SQLDataType.VARCHAR);
  private static final Field<Integer> QTY = field(name("qty"), SQLDataType.INTEGER);

  private static Long jooqInsert(DSLContext dsl, String itemName, int qty) {
    return dsl.insertInto(ITEMS, NAME, QTY).values(itemName, qty).returningResult(ID).fetchOne().value1();
  }

  @Test
  void jooqQueriesBatchesAndNestedTransactions() throws Exception {
    compare("jOOQ", (dataSource, t) -> {
      DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
      t.attempt("key", () -> jooqInsert(dsl, "j1", 1));
      t.attempt("select", () -> dsl.select(NAME, QTY).from(ITEMS).orderBy(NAME).fetch().intoMaps());
      t.attempt("update", () -> dsl.update(ITEMS).set(QTY, QTY.plus(1)).execute());
      t.attempt("batch", () -> dsl.batch(
          dsl.insertInto(ITEMS, NAME, QTY).values("jb1", 1),
          dsl.insertInto(ITEMS, NAME, QTY).values("jb2", 2)).execute());
      t.attempt("bind batch", () -> dsl.batch(dsl.insertInto(ITEMS, NAME, QTY).values((String) null, (Integer) null))
          .bind("jb3", 3).bind("jb4", 4).execute());
      t.attempt("duplicate", () -> jooqInsert(dsl, "j1", 1));
      t.attempt("transaction", () -> dsl.transactionResult(configuration -> {
        DSLContext tx = configuration.dsl();
        List<Object> seen = new ArrayList<>();
        seen.add(jooqInsert(tx, "jt-outer", 1));
        try {
          tx.transaction(nested -> {
            jooqInsert(nested.dsl(), "jt-inner", 1);
            jooqInsert(nested.dsl(), "jt-outer", 1); // duplicate: rolls back to the savepoint
          });
        } catch (RuntimeException e) {
          seen.add(Transcript.failure(e));
        }
        seen.add(tx.transactionResult(nested -> jooqInsert(nested.dsl(), "jt-kept", 1)));
        seen.add(tx.select(NAME).from(ITEMS).orderBy(NAME).fetch(NAME));
        return seen;
      }));
      t.attempt("rolled back", () -> {
        try {
          dsl.transaction(configuration -> {
            jooqInsert(configuration.dsl(), "jr", 1);
            throw new IllegalStateException("roll back");
          });
        } catch (IllegalStateException e) {
          return dsl.fetchCount(ITEMS);
        }
        return "not rolled back";
      });
    });
  }

  // ---- isolation under a concurrent mixed load

  @Test
  void concurrentMixedTransactionsOfSeveralTenantsMisplaceNothing() throws Exception {
    seed(db);
    List<TenantId> tenants = List.of(ACME, GLOBEX, INITECH);
    JdbcTemplate jdbc = new JdbcTemplate(wrapped);
    TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(wrapped));
    SqlSessionFactory myBatis = myBatis(wrapped, LocalCacheScope.STATEMENT);
    DSLContext jooq = DSL.using(wrapped, SQLDialect.POSTGRES);
    Map<TenantId, AtomicInteger> committed = new ConcurrentHashMap<>();
    tenants.forEach(tenant -> committed.put(tenant, new AtomicInteger()));
    List<String> misplaced = new ArrayList<>();
    int threads = 4;
    int perThread = 75;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int thread = 0; thread < threads; thread++) {
      int seed = thread;
      futures.add(executor.submit(() -> {
        Random random = new Random(seed);
        for (int i = 0; i < perThread; i++) {
          TenantId tenant = tenants.get(random.nextInt(tenants.size()));
          String itemName = tenant.value() + "-" + seed + "-" + i;
          boolean rollBack = random.nextInt(5) == 0;
          List<String> seen;
          try (TenantScope scope = TenantContext.open(tenant)) {
            seen = switch (i % 3) {
              case 0 -> springTransaction(jdbc, transactions, itemName, rollBack);
              case 1 -> myBatisTransaction(myBatis, itemName, rollBack);
              default -> jooqTransaction(jooq, itemName, rollBack);
            };
          }
          if (!rollBack) {
            committed.get(tenant).incrementAndGet();
          }
          for (String name : seen) {
            if (!name.startsWith(tenant.value().charAt(0) + "")) {
              synchronized (misplaced) {
                misplaced.add(tenant.value() + " saw " + name);
              }
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> future : futures) {
      future.get(2, TimeUnit.MINUTES);
    }
    executor.shutdown();
    assertThat(misplaced).isEmpty();
    List<String> rows = Fixtures.rows(db.adminDataSource(),
        "SELECT tenant_id || ':' || name FROM items WHERE name LIKE '%-%-%'");
    assertThat(rows).hasSize(committed.values().stream().mapToInt(AtomicInteger::get).sum());
    for (String row : rows) {
      String[] parts = row.split(":");
      assertThat(parts[1]).as("row written by its own tenant").startsWith(parts[0] + "-");
    }
    for (TenantId tenant : tenants) {
      assertThat(rows.stream().filter(r -> r.startsWith(tenant.value() + ":")).count())
          .as("rows committed by %s", tenant.value()).isEqualTo(committed.get(tenant).get());
    }
  }

  private static List<String> springTransaction(JdbcTemplate jdbc, TransactionTemplate transactions,
      String itemName, boolean rollBack) {
    return transactions.execute(status -> {
      springInsert(jdbc, itemName, 1);
      List<String> seen = jdbc.queryForList("SELECT name FROM items", String.class);
      if (rollBack) {
        status.setRollbackOnly();
      }
      return seen;
    });
  }

  private static List<String> myBatisTransaction(SqlSessionFactory factory, String itemName, boolean rollBack) {
    try (SqlSession session = factory.openSession(ExecutorType.REUSE, false)) {
      ItemMapper mapper = session.getMapper(ItemMapper.class);
      mapper.insert(new Item(itemName, 1));
      List<String> seen = mapper.all().stream().map(Item::getName).toList();
      if (rollBack) {
        session.rollback(true);
      } else {
        session.commit(true);
      }
      return seen;
    }
  }

  private static List<String> jooqTransaction(DSLContext dsl, String itemName, boolean rollBack) {
    List<String> seen = new ArrayList<>();
    try {
      dsl.transaction(configuration -> {
        jooqInsert(configuration.dsl(), itemName, 1);
        seen.addAll(configuration.dsl().select(NAME).from(ITEMS).fetch(NAME));
        if (rollBack) {
          throw new IllegalStateException("roll back");
        }
      });
    } catch (IllegalStateException expected) {
      // rolled back on purpose
    }
    return seen;
  }
}
