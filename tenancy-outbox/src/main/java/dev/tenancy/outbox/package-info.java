/**
 * Transactional outbox and idempotency keys.
 *
 * <p>This module builds and is published, but its API is not written yet; see the project README for the plan.
 */
@NullMarked
package dev.tenancy.outbox;

import org.jspecify.annotations.NullMarked;
