package dev.tenancy.jdbc;

/** How {@link TenantDataSource} binds the tenant to PostgreSQL. */
public enum BindingMode {

  /**
   * The default, and the only mode that is safe behind a pooler in transaction mode (PgBouncer): the setting is
   * transaction-local ({@code set_config(name, tenant, true)}) and is sent in the same round trip as the first
   * statement of every transaction, and with every autocommit statement. Nothing survives the transaction, so
   * a server connection handed to another client carries no tenant.
   */
  TRANSACTION,

  /**
   * For direct connections only: the setting is bound for the session when the connection is checked out
   * (one round trip) and reset when it is closed (one more). Every checkout overwrites what a previous holder
   * bound, so a reused connection never carries the last tenant into a new checkout. Refused behind a
   * transaction-mode pooler, where the next transaction may run on another server connection.
   */
  SESSION
}
