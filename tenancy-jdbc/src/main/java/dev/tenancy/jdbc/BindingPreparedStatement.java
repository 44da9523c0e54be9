package dev.tenancy.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A prepared statement that, when the tenant must be bound, runs as {@code SELECT set_config(…, ?, true);
 * <user SQL>} — one round trip — and otherwise as the user's SQL alone. The two driver statements are created
 * lazily; parameters and statement settings are recorded and applied to whichever one executes, with the
 * user's parameter indexes shifted by one in the combined form.
 */
final class BindingPreparedStatement implements InvocationHandler {

  private final BindingConnection connection;
  private final Method prepareMethod;
  private final Object[] prepareArgs;
  final PreparedStatement proxy;

  private PreparedStatement plain;
  private PreparedStatement combined;
  private PreparedStatement current;
  private final Map<Integer, Call> parameters = new TreeMap<>();
  private final List<Call> settings = new ArrayList<>();
  private final List<Map<Integer, Call>> batch = new ArrayList<>();
  private final boolean transactionControl;
  private boolean closeOnCompletion;
  private boolean closed;

  private record Call(Method method, Object[] args) {}

  BindingPreparedStatement(BindingConnection connection, Method prepareMethod, Object[] prepareArgs) {
    this.connection = connection;
    this.prepareMethod = prepareMethod;
    this.prepareArgs = prepareArgs;
    this.transactionControl = Binder.isTransactionControl((String) prepareArgs[0]);
    this.proxy = Proxies.create(PreparedStatement.class, this);
  }

  @Override
  public Object invoke(Object proxyObject, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    Class<?> declaring = method.getDeclaringClass();
    if (declaring == PreparedStatement.class && name.startsWith("set") && args != null && args.length >= 2
        && args[0] instanceof Integer index) {
      checkOpen();
      parameters.put(index, new Call(method, args));
      return null;
    }
    if (Proxies.isExecute(name) && (args == null || args.length == 0)) {
      checkOpen();
      try {
        return execute(name);
      } finally {
        connection.afterStatement(transactionControl);
      }
    }
    if (Proxies.isBatch(name)) {
      checkOpen();
      try {
        return executeBatch(method);
      } finally {
        batch.clear();
        connection.afterStatement(transactionControl);
      }
    }
    switch (name) {
      case "clearParameters":
        parameters.clear();
        return null;
      case "addBatch":
        if (args == null || args.length == 0) {
          checkOpen();
          batch.add(new TreeMap<>(parameters));
          return null;
        }
        break;
      case "clearBatch":
        batch.clear();
        return null;
      case "close":
        close();
        return null;
      case "isClosed":
        return closed;
      case "getConnection":
        return connection.proxy;
      case "closeOnCompletion":
        // Kept off the combined statement: the driver would close it once the binding's result is consumed.
        checkOpen();
        closeOnCompletion = true;
        if (plain != null) {
          plain.closeOnCompletion();
        }
        return null;
      case "isCloseOnCompletion":
        return closeOnCompletion;
      case "getMetaData":
      case "getParameterMetaData":
        checkOpen();
        return Proxies.invoke(plain(), method, args); // the combined statement has one parameter more
      default:
        break;
    }
    if (declaring == Statement.class && name.startsWith("set")) {
      checkOpen();
      Call call = new Call(method, args);
      settings.add(call);
      for (PreparedStatement statement : Arrays.asList(plain, combined)) {
        if (statement != null) {
          Proxies.invoke(statement, method, args);
        }
      }
      return null;
    }
    Object answer = Proxies.objectMethod(proxyObject, method, args, "TenantPreparedStatement[" + prepareArgs[0] + "]");
    if (answer != null) {
      return answer;
    }
    checkOpen();
    return Proxies.invoke(current != null ? current : plain(), method, args);
  }

  private Object execute(String kind) throws Throwable {
    String value = connection.beforeStatement();
    if (value == null || closeOnCompletion) {
      return connection.withSeparateBinding(value, () -> {
        PreparedStatement statement = plain();
        apply(statement, parameters, 0);
        current = statement;
        switch (kind) {
          case "executeQuery":
            return statement.executeQuery();
          case "executeUpdate":
            return statement.executeUpdate();
          case "executeLargeUpdate":
            return statement.executeLargeUpdate();
          default:
            return statement.execute();
        }
      });
    }
    PreparedStatement statement = combined();
    apply(statement, parameters, 1);
    statement.setString(1, value);
    current = statement;
    try {
      statement.execute();
    } catch (Throwable e) {
      connection.failed();
      throw e;
    }
    connection.bound(value);
    return Proxies.userResult(statement, kind);
  }

  private Object executeBatch(Method method) throws Throwable {
    String value = connection.beforeStatement();
    return connection.withSeparateBinding(value, () -> {
      PreparedStatement statement = plain();
      statement.clearBatch();
      for (Map<Integer, Call> entry : batch) {
        apply(statement, entry, 0);
        statement.addBatch();
      }
      current = statement;
      return Proxies.invoke(statement, method, null);
    });
  }

  private void apply(PreparedStatement statement, Map<Integer, Call> values, int shift) throws Throwable {
    statement.clearParameters();
    for (Map.Entry<Integer, Call> entry : values.entrySet()) {
      Call call = entry.getValue();
      Object[] args = call.args();
      if (shift != 0) {
        args = args.clone();
        args[0] = entry.getKey() + shift;
      }
      Proxies.invoke(statement, call.method(), args);
    }
  }

  private PreparedStatement plain() throws Throwable {
    if (plain == null) {
      plain = prepare((String) prepareArgs[0]);
    }
    return plain;
  }

  private PreparedStatement combined() throws Throwable {
    if (combined == null) {
      combined = prepare(connection.binder.preparedPrefix + prepareArgs[0]);
    }
    return combined;
  }

  private PreparedStatement prepare(String sql) throws Throwable {
    Object[] args = prepareArgs.clone();
    args[0] = sql;
    PreparedStatement statement = (PreparedStatement) Proxies.invoke(connection.target, prepareMethod, args);
    for (Call call : settings) {
      Proxies.invoke(statement, call.method(), call.args());
    }
    if (closeOnCompletion && sql.equals(prepareArgs[0])) {
      statement.closeOnCompletion();
    }
    return statement;
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("this statement is closed", "26000");
    }
  }

  private void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    SQLException failure = null;
    for (PreparedStatement statement : Arrays.asList(plain, combined)) {
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
}
