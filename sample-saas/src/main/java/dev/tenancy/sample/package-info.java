/**
 * Reference SaaS application that puts all Tenancy modules together.
 *
 * <p>This module builds and is published, but its API is not written yet; see the project README for the plan.
 */
@NullMarked
package dev.tenancy.sample;

import org.jspecify.annotations.NullMarked;
