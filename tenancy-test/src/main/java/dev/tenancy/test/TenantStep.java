package dev.tenancy.test;

import dev.tenancy.TenantId;
import java.util.Objects;

/**
 * One step of an interleaving: a tenant performs an operation. Produced by
 * {@link TenantArbitraries#interleavings}. Immutable when {@code O} is.
 *
 * @param tenant who acts
 * @param operation what it does
 * @param <O> the operation type, defined by the test
 */
public record TenantStep<O>(TenantId tenant, O operation) {
  /**
   * Validates the components.
   *
   * @param tenant who acts
   * @param operation what it does
   * @throws NullPointerException when a component is null
   */
  public TenantStep {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(operation, "operation");
  }
}
