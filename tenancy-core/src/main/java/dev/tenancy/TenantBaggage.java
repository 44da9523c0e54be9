package dev.tenancy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries the tenant to downstream services in W3C Baggage, and reads what upstream services claim.
 *
 * <p>Baggage has no integrity protection: any client can send any value. Incoming baggage is therefore only a
 * <em>claim</em>, returned as a raw string and never as a {@link TenantId}; it must not be used to open a
 * scope. Establish the tenant from verified credentials (see {@link TenantResolvers#claim(String)}) and use
 * {@link #checkClaim(Baggage, TenantId)} to detect a caller whose baggage disagrees.
 *
 * <pre>{@code
 * try (TenantScope tenant = TenantContext.open(acme);
 *      Scope baggage = TenantBaggage.attach()) {
 *   httpClient.send(request);   // the OpenTelemetry propagator sends baggage: tenant.id=acme
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class TenantBaggage {

  /** The baggage entry that carries the tenant id. */
  public static final String KEY = "tenant.id";

  private TenantBaggage() {}

  /**
   * Makes current an OpenTelemetry context whose baggage carries the current tenant, until the returned scope is
   * closed. With no tenant in context nothing is attached and the returned scope does nothing.
   *
   * @return the OpenTelemetry scope to close
   */
  @SuppressWarnings("MustBeClosedChecker") // the scope is handed to the caller, who closes it (documented above)
  public static Scope attach() {
    Optional<TenantId> tenant = TenantContext.current();
    if (tenant.isEmpty()) {
      return Scope.noop();
    }
    Context context = Context.current();
    Baggage baggage = Baggage.fromContext(context).toBuilder().put(KEY, tenant.get().value()).build();
    return context.with(baggage).makeCurrent();
  }

  /**
   * Returns {@code baggage} with the tenant entry set to {@code tenant}.
   *
   * @param baggage the baggage to extend
   * @param tenant the tenant to carry
   * @return the new baggage
   */
  public static Baggage with(Baggage baggage, TenantId tenant) {
    Objects.requireNonNull(baggage, "baggage");
    Objects.requireNonNull(tenant, "tenant");
    return baggage.toBuilder().put(KEY, tenant.value()).build();
  }

  /**
   * Returns the tenant that incoming baggage claims, unverified.
   *
   * @param baggage the baggage extracted from a request
   * @return the raw claimed value, or empty when the baggage carries none
   */
  public static Optional<String> claim(Baggage baggage) {
    Objects.requireNonNull(baggage, "baggage");
    return Optional.ofNullable(baggage.getEntryValue(KEY));
  }

  /**
   * Checks that incoming baggage does not claim a tenant other than the verified one.
   *
   * @param baggage the baggage extracted from a request
   * @param verified the tenant established from verified credentials
   * @throws TenantResolutionException if the baggage claims a different tenant
   */
  public static void checkClaim(Baggage baggage, TenantId verified) {
    Objects.requireNonNull(verified, "verified");
    Optional<String> claimed = claim(baggage);
    if (claimed.isPresent() && !claimed.get().equals(verified.value())) {
      throw new TenantResolutionException("baggage claims tenant '" + TenantId.printable(claimed.get())
          + "' but the request was verified for tenant '" + verified + "'; the upstream service propagated the "
          + "wrong context or the claim was forged");
    }
  }
}
