/** The documentation drift check: every Java example in the markdown equals a region of compiled code. */
@NullMarked
package dev.tenancy.docs;

import org.jspecify.annotations.NullMarked;
