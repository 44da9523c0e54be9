/**
 * Server discovery, process management and naming behind the {@code dev.tenancy.test} fixtures.
 *
 * <p>Not part of the public API; may change without notice.
 */
@NullMarked
package dev.tenancy.test.internal;

import org.jspecify.annotations.NullMarked;
