package dev.tenancy.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.sql.Statement;

/** A plain {@link Statement} whose SQL gets the binding prepended as a literal when the tenant must be bound. */
final class BindingStatement implements InvocationHandler {

  private final BindingConnection connection;
  private final Statement target;
  final Statement proxy;

  BindingStatement(BindingConnection connection, Statement target) {
    this.connection = connection;
    this.target = target;
    this.proxy = Proxies.create(Statement.class, this);
  }

  @Override
  public Object invoke(Object proxyObject, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (Proxies.isExecute(name) && args != null && args.length >= 1 && args[0] instanceof String sql) {
      String value = connection.beforeStatement();
      if (value == null) {
        return Proxies.invoke(target, method, args);
      }
      if (args.length > 1) {
        return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
      }
      try {
        target.execute(connection.binder.literalPrefix(value) + sql);
      } catch (SQLException e) {
        connection.failed();
        throw e;
      }
      connection.bound(value);
      return Proxies.userResult(target, name);
    }
    if (Proxies.isBatch(name)) {
      String value = connection.beforeStatement();
      return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
    }
    if (name.equals("getConnection")) {
      return connection.proxy;
    }
    Object answer = Proxies.objectMethod(proxyObject, method, args, "TenantStatement[" + target + "]");
    return answer != null ? answer : Proxies.invoke(target, method, args);
  }
}
