package dev.tenancy.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.sql.Statement;

/**
 * A statement that cannot carry the binding in its own round trip (generated keys, stored procedure calls): the
 * tenant is bound by a separate statement first, when it is not bound already.
 */
final class SeparatelyBoundStatement implements InvocationHandler {

  private final BindingConnection connection;
  private final Statement target;
  private Object proxy;

  SeparatelyBoundStatement(BindingConnection connection, Statement target) {
    this.connection = connection;
    this.target = target;
  }

  <T> T proxy(Class<T> type) {
    T created = Proxies.create(type, this);
    proxy = created;
    return created;
  }

  @Override
  public Object invoke(Object proxyObject, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (Proxies.isExecute(name) || Proxies.isBatch(name)) {
      String value = connection.beforeStatement();
      return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
    }
    if (name.equals("getConnection")) {
      return connection.proxy;
    }
    Object answer = Proxies.objectMethod(proxy, method, args, "TenantStatement[" + target + "]");
    return answer != null ? answer : Proxies.invoke(target, method, args);
  }
}
