package dev.tenancy.jdbc;

/** What {@link TenantDataSource} does with a statement that runs while no tenant is in context. */
public enum NoTenantPolicy {

  /**
   * The default: the statement is refused with an {@link java.sql.SQLException} (SQLState {@code 28000}) before it
   * reaches the database. One exception: statements through {@code getMetaData().getConnection()}, which
   * frameworks use at startup before any tenant exists, run as {@link #BIND_NONE}.
   */
  REFUSE,

  /**
   * The statement runs with the tenant setting empty, so row-level security shows no tenant rows and rejects
   * writes to tenant tables. Useful when the same pool also serves tables that are not tenant-scoped.
   */
  BIND_NONE
}
