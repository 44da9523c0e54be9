package dev.tenancy.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Reflection helpers shared by the connection and statement proxies. */
final class Proxies {

  private Proxies() {}

  @SuppressWarnings("unchecked")
  static <T> T create(Class<T> type, java.lang.reflect.InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {type}, handler);
  }

  /** Invokes on the real object and rethrows what it threw, not the reflective wrapper. */
  static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Answers the Object methods of a proxy, or returns null when {@code method} is not one of them. */
  static Object objectMethod(Object proxy, Method method, Object[] args, String description) {
    switch (method.getName()) {
      case "equals":
        return args != null && args.length == 1 && method.getParameterTypes()[0] == Object.class
            ? proxy == args[0] : null;
      case "hashCode":
        return args == null || args.length == 0 ? System.identityHashCode(proxy) : null;
      case "toString":
        return args == null || args.length == 0 ? description : null;
      default:
        return null;
    }
  }

  /**
   * After a combined "binding; user statement" execution, steps past the binding's result and returns what the
   * user's execute method would have returned.
   */
  static Object userResult(Statement statement, String kind) throws SQLException {
    boolean resultSet = statement.getMoreResults();
    switch (kind) {
      case "executeQuery": {
        ResultSet rs = statement.getResultSet();
        if (rs == null) {
          throw new SQLException("No results were returned by the query.", "02000");
        }
        return rs;
      }
      case "executeUpdate":
        if (resultSet) {
          throw new SQLException("A result was returned when none was expected.", "0100E");
        }
        return Math.max(statement.getUpdateCount(), 0);
      case "executeLargeUpdate":
        if (resultSet) {
          throw new SQLException("A result was returned when none was expected.", "0100E");
        }
        return Math.max(statement.getLargeUpdateCount(), 0L);
      default:
        return resultSet;
    }
  }

  static boolean isExecute(String name) {
    return name.equals("execute") || name.equals("executeQuery") || name.equals("executeUpdate")
        || name.equals("executeLargeUpdate");
  }

  static boolean isBatch(String name) {
    return name.equals("executeBatch") || name.equals("executeLargeBatch");
  }
}
