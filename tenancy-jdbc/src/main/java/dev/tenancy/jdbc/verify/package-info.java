/**
 * Checks a live database, as the application role sees it, and refuses to let an application start when tenants
 * could see or write each other's rows.
 *
 * <p>{@link dev.tenancy.jdbc.verify.IsolationVerifier} produces an {@link dev.tenancy.jdbc.verify.IsolationReport}
 * of {@link dev.tenancy.jdbc.verify.Finding}s, or throws {@link dev.tenancy.jdbc.verify.IsolationException} from
 * {@code requireIsolated()}. It judges policies against the SQL {@link dev.tenancy.jdbc.TenantPolicy} generates.
 */
@NullMarked
package dev.tenancy.jdbc.verify;

import org.jspecify.annotations.NullMarked;
