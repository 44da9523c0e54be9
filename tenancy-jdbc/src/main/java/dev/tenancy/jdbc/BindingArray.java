package dev.tenancy.jdbc;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An SQL array as the application sees it. The driver builds {@link #getResultSet()} on a statement of its own
 * connection, which would run SQL unbound; here that result set is wrapped like any other, so its statement binds.
 */
final class BindingArray implements Array {

  private final BindingConnection connection;
  private final Array target;

  BindingArray(BindingConnection connection, Array target) {
    this.connection = connection;
    this.target = target;
  }

  private @Nullable ResultSet wrap(@Nullable ResultSet results) {
    return BindingResultSet.wrap(connection, null, results, null);
  }

  @Override
  public @Nullable ResultSet getResultSet() throws SQLException {
    return wrap(target.getResultSet());
  }

  @Override
  public @Nullable ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException {
    return wrap(target.getResultSet(map));
  }

  @Override
  public @Nullable ResultSet getResultSet(long index, int count) throws SQLException {
    return wrap(target.getResultSet(index, count));
  }

  @Override
  public @Nullable ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException {
    return wrap(target.getResultSet(index, count, map));
  }

  @Override
  public String getBaseTypeName() throws SQLException {
    return target.getBaseTypeName();
  }

  @Override
  public int getBaseType() throws SQLException {
    return target.getBaseType();
  }

  @Override
  public Object getArray() throws SQLException {
    return target.getArray();
  }

  @Override
  public Object getArray(Map<String, Class<?>> map) throws SQLException {
    return target.getArray(map);
  }

  @Override
  public Object getArray(long index, int count) throws SQLException {
    return target.getArray(index, count);
  }

  @Override
  public Object getArray(long index, int count, Map<String, Class<?>> map) throws SQLException {
    return target.getArray(index, count, map);
  }

  @Override
  public void free() throws SQLException {
    target.free();
  }

  @Override
  public String toString() {
    return target.toString(); // the array's text form, which callers may print or parse
  }
}
