package dev.tenancy.jdbc.hibernate;

import dev.tenancy.jdbc.TenantDataSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;

/**
 * Wires Hibernate ORM (7.x) to Tenancy: the tenant identifier comes from the tenant context, and all connections
 * come from a {@link TenantDataSource}, so row-level security confines native SQL, bulk HQL and {@code find()}
 * even where Hibernate's {@code @TenantId} filter does not apply.
 *
 * <pre>{@code
 * Configuration configuration = new Configuration().addAnnotatedClass(Invoice.class);
 * configuration.getProperties().putAll(TenancyHibernate.settings(TenantDataSource.wrap(hikari)));
 * SessionFactory sessions = configuration.buildSessionFactory();
 * }</pre>
 *
 * <p>With Spring Boot or Jakarta Persistence, put the same entries in the persistence unit's properties. Do not
 * also enable Hibernate's own row-level security binding ({@code hibernate.multi_tenant.rls_enabled}, 8.0+): the
 * data source already binds every transaction, including those Hibernate does not run.
 */
public final class TenancyHibernate {

  private TenancyHibernate() {}

  /**
   * Returns the Hibernate settings that wire Tenancy in.
   *
   * @param dataSource the tenant-binding data source Hibernate must use for all its connections
   * @return a new mutable map of settings
   */
  public static Map<String, Object> settings(TenantDataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    Map<String, Object> settings = new HashMap<>();
    settings.put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, (DataSource) dataSource);
    settings.put(AvailableSettings.MULTI_TENANT_IDENTIFIER_RESOLVER, new TenantIdentifierResolver());
    return settings;
  }
}
