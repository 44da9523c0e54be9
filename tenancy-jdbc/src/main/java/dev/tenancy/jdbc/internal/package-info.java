/**
 * Helpers shared by {@code dev.tenancy.jdbc}, {@code dev.tenancy.jdbc.verify} and {@code dev.tenancy.jdbc.hibernate}:
 * setting names, identifier quoting, builder bookkeeping, the policy SQL text and pgjdbc access.
 *
 * <p>Not part of the public API; may change without notice.
 */
@NullMarked
package dev.tenancy.jdbc.internal;

import org.jspecify.annotations.NullMarked;
