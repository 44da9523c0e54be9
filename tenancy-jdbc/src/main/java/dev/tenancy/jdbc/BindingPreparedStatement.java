package dev.tenancy.jdbc;

import dev.tenancy.jdbc.internal.PgJdbc;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A prepared statement that, when the tenant must be bound, runs as {@code SELECT set_config(…, ?, true);
 * <user SQL>} — one round trip — and otherwise as the user's SQL alone. The two driver statements are created
 * lazily; parameters and statement settings are recorded and applied to whichever one executes, with the
 * user's parameter indexes shifted by one in the combined form. Statements that cannot be combined (generated
 * keys, batches) bind with a separate statement first.
 */
final class BindingPreparedStatement extends RecordingPreparedStatement<PreparedStatement> {

  /** PostgreSQL's limit on the parameters of one statement. */
  private static final int MAX_PARAMETERS = 65_535;
  private static final Parameter[] NONE = {};

  private final BindingConnection connection;
  private final String sql;
  private final boolean combinable;
  private final Preparer preparer;
  private final boolean transactionControl;
  private final boolean unbound;

  private @Nullable PreparedStatement plain;
  private @Nullable PreparedStatement combined;
  /** The combined statement with the clearing of the previous tenant's session objects in front. */
  private @Nullable PreparedStatement clearing;
  private boolean clearingHasParameters;
  private @Nullable PreparedStatement current;
  /** Index i holds the setter of parameter i; index 0 is unused. */
  private Parameter[] parameters = NONE;
  private final List<Setting> settings = new ArrayList<>(0);
  private final List<Parameter[]> batch = new ArrayList<>(0);
  private @Nullable String batchTenant;
  private boolean closeOnCompletion;
  private boolean closed;
  private @Nullable ResultSet results;
  private boolean plainHasParameters;
  private boolean combinedHasParameters;

  /** Creates a driver statement for the given SQL, with the options the user asked for. */
  @FunctionalInterface
  interface Preparer {
    PreparedStatement prepare(String sql) throws SQLException;
  }

  BindingPreparedStatement(BindingConnection connection, String sql, boolean combinable, Preparer preparer)
      throws SQLException {
    if (sql == null) {
      throw PgJdbc.error("the SQL of a prepared statement must not be null", "42601");
    }
    this.connection = connection;
    this.sql = sql;
    this.combinable = combinable;
    this.preparer = preparer;
    this.transactionControl = Binder.isTransactionControl(sql);
    this.unbound = Binder.runsUnbound(sql);
  }

  @Override
  PreparedStatement delegate() throws SQLException {
    checkOpen();
    return current != null ? current : plain();
  }

  @Override
  void parameter(int index, Parameter setter) throws SQLException {
    checkOpen();
    if (index < 1 || index > MAX_PARAMETERS) {
      throw PgJdbc.error("The parameter index is out of range: " + index, "22023");
    }
    if (index >= parameters.length) {
      parameters = Arrays.copyOf(parameters, Math.max(index + 1, parameters.length * 2));
    }
    parameters[index] = setter;
  }

  @Override
  void setting(Setting setting) throws SQLException {
    checkOpen();
    settings.add(setting);
    if (plain != null) {
      setting.apply(plain);
    }
    if (clearing != null) {
      setting.apply(clearing);
    }
    if (combined != null) {
      setting.apply(combined);
    }
  }

  @Override
  public void clearParameters() throws SQLException {
    checkOpen();
    Arrays.fill(parameters, null);
  }

  // ---- execution

  @Override
  public boolean execute() throws SQLException {
    return run(ResultKind.EXECUTE, PreparedStatement::execute);
  }

  @Override
  @SuppressWarnings("NullAway") // executeQuery never returns null (JDBC contract), so results() wraps a result set
  public ResultSet executeQuery() throws SQLException {
    return results(run(ResultKind.QUERY, PreparedStatement::executeQuery));
  }

  /** The driver's result set as the application sees it; the same object each time for the same result. */
  @Override
  @Nullable ResultSet results(@Nullable ResultSet driverResults) {
    if (driverResults == null) {
      return null;
    }
    results = BindingResultSet.wrap(connection, this, driverResults, results);
    return results;
  }

  @Override
  public int executeUpdate() throws SQLException {
    return run(ResultKind.UPDATE, PreparedStatement::executeUpdate);
  }

  @Override
  public long executeLargeUpdate() throws SQLException {
    return run(ResultKind.LARGE_UPDATE, PreparedStatement::executeLargeUpdate);
  }

  /** One of the user's execute methods on a driver statement. */
  @FunctionalInterface
  private interface Execution<T> {
    T run(PreparedStatement statement) throws SQLException;
  }

  private <T> T run(ResultKind<T> kind, Execution<T> alone) throws SQLException {
    checkOpen();
    try {
      String value = unbound ? null : connection.beforeStatement();
      if (value == null || !combinable || closeOnCompletion) {
        return connection.withSeparateBinding(value, () -> {
          PreparedStatement statement = plain();
          apply(statement, parameters, 0);
          current = statement;
          return alone.run(statement);
        });
      }
      boolean clears = connection.clearing();
      PreparedStatement statement = clears ? clearing() : combined();
      apply(statement, parameters, 1);
      statement.setString(1, value);
      current = statement;
      try {
        statement.execute();
      } catch (SQLException | RuntimeException e) {
        connection.failed();
        throw e;
      }
      connection.bound(value);
      return kind.after(statement, clears);
    } finally {
      connection.afterStatement(transactionControl);
    }
  }

  @Override
  public void addBatch() throws SQLException {
    checkOpen();
    batchTenant = connection.beforeAddBatch(!batch.isEmpty(), batchTenant);
    batch.add(parameters.clone());
  }

  @Override
  public void clearBatch() throws SQLException {
    checkOpen();
    batch.clear();
  }

  @Override
  public int[] executeBatch() throws SQLException {
    return runBatch(PreparedStatement::executeBatch);
  }

  @Override
  public long[] executeLargeBatch() throws SQLException {
    return runBatch(PreparedStatement::executeLargeBatch);
  }

  private <T> T runBatch(Execution<T> execution) throws SQLException {
    checkOpen();
    try {
      connection.beforeBatch(!batch.isEmpty(), batchTenant);
      return connection.separately(transactionControl, () -> {
        PreparedStatement statement = plain();
        statement.clearBatch();
        for (Parameter[] entry : batch) {
          apply(statement, entry, 0);
          statement.addBatch();
        }
        current = statement;
        return execution.run(statement);
      });
    } finally {
      batch.clear();
    }
  }

  /**
   * Sets the recorded parameters on a driver statement. Parameters of an earlier execution are cleared first,
   * so that one the user cleared since is missing rather than stale; a fresh statement has none to clear.
   */
  private void apply(PreparedStatement statement, Parameter[] values, int shift) throws SQLException {
    if (statement == plain ? plainHasParameters
        : statement == combined ? combinedHasParameters : clearingHasParameters) {
      statement.clearParameters();
    }
    if (statement == plain) {
      plainHasParameters = true;
    } else if (statement == combined) {
      combinedHasParameters = true;
    } else {
      clearingHasParameters = true;
    }
    for (int index = 1; index < values.length; index++) {
      if (values[index] != null) {
        values[index].apply(statement, index + shift);
      }
    }
  }

  private PreparedStatement plain() throws SQLException {
    if (plain == null) {
      plain = prepare(sql);
      if (closeOnCompletion) {
        plain.closeOnCompletion();
      }
    }
    return plain;
  }

  private PreparedStatement clearing() throws SQLException {
    if (clearing == null) {
      clearing = prepare(connection.binder.cleaningPreparedPrefix + sql);
    }
    return clearing;
  }

  private PreparedStatement combined() throws SQLException {
    if (combined == null) {
      combined = prepare(connection.binder.preparedPrefix + sql);
    }
    return combined;
  }

  private PreparedStatement prepare(String statementSql) throws SQLException {
    PreparedStatement statement = preparer.prepare(statementSql);
    for (Setting setting : settings) {
      setting.apply(statement);
    }
    return statement;
  }

  // ---- everything else that must not reach the combined statement

  @Override
  public void closeOnCompletion() throws SQLException {
    // Kept off the combined statement: the driver would close it once the binding's result is consumed.
    checkOpen();
    closeOnCompletion = true;
    if (plain != null) {
      plain.closeOnCompletion();
    }
  }

  @Override
  public boolean isCloseOnCompletion() {
    return closeOnCompletion;
  }

  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    checkOpen();
    return plain().getMetaData(); // the combined statement has one parameter more
  }

  @Override
  public ParameterMetaData getParameterMetaData() throws SQLException {
    checkOpen();
    return plain().getParameterMetaData();
  }

  @Override
  public Connection getConnection() throws SQLException {
    checkOpen();
    return connection;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw PgJdbc.error("This statement has been closed.", "55000");
    }
  }

  @Override
  public void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    SQLException failure = null;
    for (PreparedStatement statement : new PreparedStatement[] {plain, combined, clearing}) {
      if (statement != null) {
        try {
          statement.close();
        } catch (SQLException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "TenantPreparedStatement[" + sql + "]";
  }
}
