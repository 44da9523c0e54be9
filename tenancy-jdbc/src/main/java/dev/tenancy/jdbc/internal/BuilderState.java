package dev.tenancy.jdbc.internal;

import org.jspecify.annotations.Nullable;

/**
 * The "set each option once, build once" bookkeeping shared by every builder of this package, so all of them fail
 * with the same message form: {@code "<option> was already set to <value>; set it once"}.
 */
public final class BuilderState {

  private final String builderName;
  private boolean built;

  /**
   * Starts the bookkeeping for one builder.
   *
   * @param builderName the builder as users write it, e.g. {@code TenantPolicy.Builder}
   */
  public BuilderState(String builderName) {
    this.builderName = builderName;
  }

  /**
   * Checks that the builder has not built yet and that {@code option} is still unset.
   *
   * @param option the option's name as in the builder method
   * @param current the option's current value, null if unset
   * @throws IllegalStateException if the builder already built, or the option was already set
   */
  public void setOnce(String option, @Nullable Object current) {
    requireNotBuilt();
    if (current != null) {
      throw new IllegalStateException(option + " was already set to " + current + "; set it once");
    }
  }

  /**
   * Like {@link #setOnce(String, Object)} for an option without a value (a flag method).
   *
   * @param option the option's name as in the builder method
   * @param alreadySet whether it was called before
   * @throws IllegalStateException if the builder already built, or the option was already set
   */
  public void setOnce(String option, boolean alreadySet) {
    setOnce(option, alreadySet ? Boolean.TRUE : null);
  }

  /**
   * Marks the builder as used; call first in {@code build()}.
   *
   * @throws IllegalStateException if it already built
   */
  public void build() {
    requireNotBuilt();
    built = true;
  }

  private void requireNotBuilt() {
    if (built) {
      throw new IllegalStateException("this " + builderName + " was already built; start a new builder");
    }
  }
}
