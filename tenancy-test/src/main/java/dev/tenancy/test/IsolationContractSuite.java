package dev.tenancy.test;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import javax.sql.DataSource;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.jspecify.annotations.Nullable;

/**
 * The isolation contract as a jqwik suite to extend: "tenant A never sees, changes or learns of tenant B's rows",
 * checked against your own tenant-binding {@link DataSource}, through your own pool, on a real PostgreSQL.
 *
 * <p>A subclass supplies three things in its constructor: the statements that make a table tenant-scoped, how to
 * open a pool of a given size for the application role, and how to wrap a pool into the tenant-binding data
 * source. The suite creates a fresh database ({@link TestDatabase}) and role, a table scoped by your statements,
 * pools of one, two and three connections, and runs 1000 random programs (jqwik's default tries; set
 * {@code jqwik.tries.default} to change it): interleavings of reads, inserts, updates, deletes, foreign-tenant
 * inserts, commits, rollbacks and savepoints by three tenants on connections held throughout, so that one connection
 * carries many transactions and tenants. Every result is checked against a model; at the end the table, read by the
 * administrator, must equal the model, and no connection of the pool may still carry a tenant setting.
 *
 * <p>Tenancy's own suite for direct connections, in tenancy-jdbc:
 *
 * <pre>{@code
 * class DirectIsolationContractIT extends IsolationContractSuite {
 *   DirectIsolationContractIT() {
 *     super(table -> TenantPolicy.forTable(table).build().statements(),
 *         (db, app, size) -> Fixtures.pool(app.jdbcUrl(), size, ConnectionSettings.DIRECT),
 *         TenantDataSource::wrap);
 *   }
 * }
 * }</pre>
 *
 * <p>Annotate the subclass with {@link TenancyPgBouncer} when its pools go through PgBouncer, so the server gate
 * decides whether it runs. Not thread-safe: jqwik runs one program at a time.
 */
public abstract class IsolationContractSuite {

  private static final int MAX_POOL = 3;

  private final Function<String, List<String>> tenantScoping;
  private final Pools pools;
  private final Function<DataSource, ? extends DataSource> binding;
  private @Nullable TestDatabase db;
  private @Nullable IsolationContract contract;
  private final DataSource[] raw = new DataSource[MAX_POOL];
  private final DataSource[] bound = new DataSource[MAX_POOL];

  /**
   * Opens a pool of connections for the contract's application role; the pool is closed after the suite when it
   * is {@link AutoCloseable}.
   */
  @FunctionalInterface
  public interface Pools {
    /**
     * Opens a pool of exactly {@code size} connections for {@code app} on {@code db}, configured the way your
     * application configures its pool.
     *
     * @param db the contract's database
     * @param app the role to log in as (for example through {@link TestRole#jdbcUrl()}, or
     *     {@link TestPgBouncer#jdbcUrl(TestDatabase, TestRole)})
     * @param size the pool's maximum size, 1 to 3
     * @return the pool
     * @throws Exception when it cannot be opened
     */
    DataSource open(TestDatabase db, TestRole app, int size) throws Exception;
  }

  /**
   * Configures the suite.
   *
   * @param tenantScoping the SQL statements that make a table tenant-scoped (row-level security enabled and forced,
   *     the policy, the tenant column's default from the setting), e.g. {@code TenantPolicy.forTable(t).build()
   *     .statements()}
   * @param pools opens the pools the data source under test wraps
   * @param binding wraps a pool into the tenant-binding data source under test
   */
  protected IsolationContractSuite(Function<String, List<String>> tenantScoping, Pools pools,
      Function<DataSource, ? extends DataSource> binding) {
    this.tenantScoping = Objects.requireNonNull(tenantScoping, "tenantScoping");
    this.pools = Objects.requireNonNull(pools, "pools");
    this.binding = Objects.requireNonNull(binding, "binding");
  }

  /**
   * Returns the PostgreSQL setting that carries the tenant; pooled connections must not carry it after a program.
   * Override when your binding uses another one.
   *
   * @return {@code tenancy.tenant_id}
   */
  protected String setting() {
    return "tenancy.tenant_id";
  }

  /**
   * Returns whether programs also leave temporary tables and holdable cursors on the session and read them as other
   * tenants. Override to return false behind a transaction pooler, where a session object left on a server
   * connection is lent with it to other clients and no data source can clear it (deny {@code TEMPORARY} to the
   * application role there).
   *
   * @return true
   */
  protected boolean sessionObjectsGuarded() {
    return true;
  }

  @BeforeProperty
  final void openContract() throws Exception {
    TestDatabase database = TestDatabase.create();
    db = database;
    TestRole app = database.createRole("app");
    contract = IsolationContract.builder(database.adminDataSource())
        .tenantScoping(tenantScoping)
        .setting(setting())
        .grantTo(app.name())
        .build();
    for (int size = 1; size <= MAX_POOL; size++) {
      DataSource pool = Objects.requireNonNull(pools.open(database, app, size), "Pools.open returned null");
      raw[size - 1] = pool;
      bound[size - 1] = Objects.requireNonNull(binding.apply(pool), "the binding returned null");
    }
  }

  @AfterProperty
  final void closeContract() throws Exception {
    Exception failure = null;
    for (DataSource pool : raw) {
      if (pool instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          failure = e;
        }
      }
    }
    TestDatabase database = db;
    if (database != null) {
      database.close();
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Provide
  final Arbitrary<List<TenantStep<IsolationContract.Step>>> programs() {
    return TenantArbitraries.interleavings(3, IsolationContract.steps(sessionObjectsGuarded()), 1, 40);
  }

  @Property
  final void tenantsNeverSeeChangeOrLearnOfEachOthersRows(
      @ForAll("programs") List<TenantStep<IsolationContract.Step>> program,
      @ForAll @IntRange(min = 1, max = MAX_POOL) int poolSize) {
    IsolationContract current = Objects.requireNonNull(contract, "the contract was not set up");
    current.run(bound[poolSize - 1], poolSize, program, raw[poolSize - 1]);
  }
}
