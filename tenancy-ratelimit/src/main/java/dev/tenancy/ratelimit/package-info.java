/**
 * Per-tenant rate limits, concurrency budgets and fair scheduling.
 *
 * <p>This module builds and is published, but its API is not written yet; see the project README for the plan.
 */
@NullMarked
package dev.tenancy.ratelimit;

import org.jspecify.annotations.NullMarked;
