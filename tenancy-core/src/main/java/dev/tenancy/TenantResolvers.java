package dev.tenancy;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The built-in {@link TenantResolver}s.
 *
 * <pre>{@code
 * TenantResolver resolver = TenantResolvers.verified(
 *     TenantResolvers.firstMatch(TenantResolvers.claim("tenant"), TenantResolvers.subdomain("example.com")),
 *     directory);
 * TenantId tenant = resolver.require(request);   // throws on missing, malformed, unknown or suspended
 * }</pre>
 *
 * <p>Which resolver to trust: a {@linkplain #claim verified claim} is bound to credentials; a
 * {@linkplain #header header} or {@linkplain #subdomain subdomain} is chosen by the client, so it only says which
 * tenant the client <em>asks</em> for — check that the authenticated principal belongs to it before serving data.
 */
public final class TenantResolvers {

  private TenantResolvers() {}

  /**
   * Resolves the tenant from a request header, for example {@code X-Tenant-Id}.
   *
   * @param headerName the header name (case-insensitive)
   * @return the resolver; it throws {@link TenantResolutionException} when the header is present but not a valid
   *     tenant id
   */
  public static TenantResolver header(String headerName) {
    Objects.requireNonNull(headerName, "headerName");
    if (headerName.isBlank()) {
      throw new IllegalArgumentException("header name must not be blank");
    }
    return new Named("header(" + headerName + ")",
        request -> request.header(headerName).map(value -> parse(value, "header '" + headerName + "'")));
  }

  /**
   * Resolves the tenant from the first label of the host under a base domain: with base {@code example.com},
   * {@code acme.example.com} (any port) is tenant {@code acme}. The base domain itself and hosts outside it
   * resolve to nothing; hosts with more than one label before the base are rejected, so {@code
   * evil.acme.example.com} can never pass as {@code acme}.
   *
   * @param baseDomain the domain tenants live under, e.g. {@code example.com}
   * @param reservedLabels labels that are not tenants, e.g. {@code www}, {@code api}; they resolve to nothing
   * @return the resolver
   */
  public static TenantResolver subdomain(String baseDomain, String... reservedLabels) {
    Objects.requireNonNull(baseDomain, "baseDomain");
    String base = baseDomain.toLowerCase(Locale.ROOT);
    if (base.isEmpty() || base.startsWith(".") || base.endsWith(".")) {
      throw new IllegalArgumentException("base domain must look like 'example.com' but was '" + baseDomain + "'");
    }
    Set<String> reserved = Set.of(reservedLabels);
    String suffix = "." + base;
    return new Named("subdomain(" + base + ")", request -> {
      Optional<String> rawHost = request.host();
      if (rawHost.isEmpty()) {
        return Optional.empty();
      }
      String host = stripPort(rawHost.get()).toLowerCase(Locale.ROOT);
      if (host.endsWith(".")) {
        host = host.substring(0, host.length() - 1);
      }
      if (!host.endsWith(suffix)) {
        return Optional.empty();
      }
      String label = host.substring(0, host.length() - suffix.length());
      if (label.indexOf('.') >= 0) {
        throw new TenantResolutionException("host '" + TenantId.printable(rawHost.get()) + "' has more than one "
            + "label before '" + base + "'; tenants are addressed as <tenant>." + base);
      }
      if (reserved.contains(label)) {
        return Optional.empty();
      }
      return Optional.of(parse(label, "host '" + rawHost.get() + "'"));
    });
  }

  /**
   * Resolves the tenant from a verified claim of the authenticated principal, for example the {@code tenant}
   * claim of a JWT whose signature was checked.
   *
   * @param claimName the claim name
   * @return the resolver
   */
  public static TenantResolver claim(String claimName) {
    Objects.requireNonNull(claimName, "claimName");
    return new Named("claim(" + claimName + ")",
        request -> request.verifiedClaim(claimName).map(value -> parse(value, "claim '" + claimName + "'")));
  }

  /**
   * Tries resolvers in order and returns the first tenant found. An exception from one resolver stops the search:
   * a malformed tenant is an error, not a reason to try another source.
   *
   * @param resolvers the resolvers, in order of preference
   * @return the composite resolver
   */
  public static TenantResolver firstMatch(TenantResolver... resolvers) {
    List<TenantResolver> list = List.of(resolvers);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("firstMatch needs at least one resolver");
    }
    return new Named("firstMatch" + list, request -> {
      for (TenantResolver resolver : list) {
        Optional<TenantId> tenant = resolver.resolve(request);
        if (tenant.isPresent()) {
          return tenant;
        }
      }
      return Optional.empty();
    });
  }

  /**
   * Checks every tenant {@code resolver} finds against a directory: unknown tenants raise
   * {@link UnknownTenantException}, suspended ones {@link TenantSuspendedException}.
   *
   * @param resolver the resolver to check
   * @param directory the directory of tenants
   * @return the checking resolver
   */
  public static TenantResolver verified(TenantResolver resolver, TenantDirectory directory) {
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(directory, "directory");
    return new Named("verified(" + resolver + ")", request -> {
      Optional<TenantId> tenant = resolver.resolve(request);
      tenant.ifPresent(directory::requireActive);
      return tenant;
    });
  }

  private static TenantId parse(String value, String source) {
    try {
      return TenantId.of(value);
    } catch (IllegalArgumentException e) {
      throw new TenantResolutionException("the " + source + " does not hold a valid tenant id: " + e.getMessage(), e);
    }
  }

  private static String stripPort(String host) {
    if (host.startsWith("[")) {
      return host; // an IPv6 literal is never under a base domain
    }
    int colon = host.lastIndexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  private record Named(String description, TenantResolver delegate) implements TenantResolver {
    @Override
    public Optional<TenantId> resolve(TenantRequest request) {
      Objects.requireNonNull(request, "request");
      return delegate.resolve(request);
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
