package dev.tenancy.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.sql.Statement;

/** A plain {@link Statement} whose SQL gets the binding prepended as a literal when the tenant must be bound. */
final class BindingStatement implements InvocationHandler {

  private final BindingConnection connection;
  private final Statement target;
  final Statement proxy;
  private boolean batchHasTransactionControl;
  private boolean closeOnCompletion;

  BindingStatement(BindingConnection connection, Statement target) {
    this.connection = connection;
    this.target = target;
    this.proxy = Proxies.create(Statement.class, this);
  }

  @Override
  public Object invoke(Object proxyObject, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (Proxies.isExecute(name) && args != null && args.length >= 1 && args[0] instanceof String sql) {
      try {
        return execute(method, args, sql, name);
      } finally {
        connection.afterStatement(Binder.isTransactionControl(sql));
      }
    }
    if (Proxies.isBatch(name)) {
      try {
        String value = connection.beforeStatement();
        return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
      } finally {
        connection.afterStatement(batchHasTransactionControl);
        batchHasTransactionControl = false;
      }
    }
    switch (name) {
      case "addBatch":
        if (args != null && args.length == 1 && args[0] instanceof String sql) {
          batchHasTransactionControl |= Binder.isTransactionControl(sql);
        }
        break;
      case "clearBatch":
        batchHasTransactionControl = false;
        break;
      case "closeOnCompletion":
        closeOnCompletion = true;
        break;
      case "getConnection":
        return connection.proxy;
      default:
        break;
    }
    Object answer = Proxies.objectMethod(proxyObject, method, args, "TenantStatement[" + target + "]");
    return answer != null ? answer : Proxies.invoke(target, method, args);
  }

  private Object execute(Method method, Object[] args, String sql, String name) throws Throwable {
    String value = connection.beforeStatement();
    if (value == null) {
      return Proxies.invoke(target, method, args);
    }
    if (args.length > 1 || closeOnCompletion) {
      // Generated keys need a single statement; with closeOnCompletion the driver would close the statement
      // as soon as the binding's result is consumed.
      return connection.withSeparateBinding(value, () -> Proxies.invoke(target, method, args));
    }
    try {
      target.execute(connection.binder.literalPrefix(value) + sql);
    } catch (Throwable e) {
      connection.failed();
      throw e;
    }
    connection.bound(value);
    return Proxies.userResult(target, name);
  }
}
