/**
 * HikariCP glue for {@link dev.tenancy.jdbc.ConnectionSettings}: the only class of tenancy-jdbc that needs
 * {@code HikariCP} on the class path.
 */
@NullMarked
package dev.tenancy.jdbc.hikari;

import org.jspecify.annotations.NullMarked;
