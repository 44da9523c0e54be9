/**
 * Tenant-namespaced caching on Redis and in process.
 *
 * <p>This module builds and is published, but its API is not written yet; see the project README for the plan.
 */
@NullMarked
package dev.tenancy.cache;

import org.jspecify.annotations.NullMarked;
