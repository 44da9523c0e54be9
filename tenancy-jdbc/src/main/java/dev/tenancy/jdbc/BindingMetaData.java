package dev.tenancy.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;

/** Metadata whose connection is the binding one, and whose result sets lead back to binding statements only. */
final class BindingMetaData extends ForwardingDatabaseMetaData {

  private final BindingConnection connection;
  private final DatabaseMetaData target;

  BindingMetaData(BindingConnection connection, DatabaseMetaData target) {
    this.connection = connection;
    this.target = target;
  }

  @Override
  DatabaseMetaData delegate() {
    return target;
  }

  @Override
  @SuppressWarnings("NullAway") // DatabaseMetaData returns a result set, never null (JDBC contract), so wrap does too
  ResultSet results(ResultSet results) {
    return BindingResultSet.wrap(connection, null, results, null);
  }

  @Override
  public Connection getConnection() {
    return connection;
  }

  @Override
  public String toString() {
    return "TenantDatabaseMetaData[" + target + "]";
  }
}
