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
  private final boolean transactionControl;
  private Object proxy;

  SeparatelyBoundStatement(BindingConnection connection, Statement target, String sql) {
    this.connection = connection;
    this.target = target;
    this.transactionControl = Binder.isTransactionControl(sql);
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
      try {
        String value = connection.beforeStatement();
        return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
      } finally {
        connection.afterStatement(transactionControl
            || (args != null && args.length >= 1 && args[0] instanceof String sql && Binder.isTransactionControl(sql)));
      }
    }
    if (name.equals("getConnection")) {
      return connection.proxy;
    }
    Object answer = Proxies.objectMethod(proxy, method, args, "TenantStatement[" + target + "]");
    return answer != null ? answer : Proxies.invoke(target, method, args);
  }
}
