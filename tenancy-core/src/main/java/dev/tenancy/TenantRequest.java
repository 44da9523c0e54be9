package dev.tenancy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A framework-neutral view of an incoming request, as much as tenant resolution needs: headers, host, path and
 * the claims of an already-authenticated principal.
 *
 * <p>Adapt your framework's request to this interface (a servlet filter, a Netty handler, a gRPC interceptor), or
 * build an immutable value with {@link #builder()}. Implementations must only return claims that were verified
 * (for example from a JWT whose signature was checked): {@link TenantResolvers#claim(String)} trusts them.
 */
public interface TenantRequest {

  /**
   * Returns the first value of a header.
   *
   * @param name the header name, matched case-insensitively
   * @return the value, or empty when absent
   */
  Optional<String> header(String name);

  /**
   * Returns the host the request was addressed to, as sent (for example from the {@code Host} header), possibly
   * with a port.
   *
   * @return the host, or empty when unknown
   */
  Optional<String> host();

  /**
   * Returns the request path, without query string.
   *
   * @return the path, {@code "/"} at least
   */
  String path();

  /**
   * Returns a claim of the authenticated principal, already verified by the caller.
   *
   * @param name the claim name
   * @return the claim value, or empty when absent or when the request is not authenticated
   */
  Optional<String> verifiedClaim(String name);

  /**
   * Starts building an immutable request view.
   *
   * @return a new builder
   */
  static Builder builder() {
    return new Builder();
  }

  /** Builds an immutable {@link TenantRequest}; single use. */
  final class Builder {
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> claims = new LinkedHashMap<>();
    private @Nullable String host;
    private String path = "/";
    private boolean built;

    private Builder() {}

    /**
     * Adds a header; a second value of the same name (case-insensitively) is ignored, as {@link #header} returns
     * the first.
     *
     * @param name the name
     * @param value the value
     * @return this builder
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      headers.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
      return this;
    }

    /**
     * Sets the host.
     *
     * @param host the host, possibly with a port
     * @return this builder
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Sets the path.
     *
     * @param path the path
     * @return this builder
     */
    public Builder path(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Adds a claim of the authenticated principal. Only add claims you have verified.
     *
     * @param name the claim name
     * @param value the claim value
     * @return this builder
     */
    public Builder verifiedClaim(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      claims.put(name, value);
      return this;
    }

    /**
     * Builds the request view.
     *
     * @return the immutable request
     * @throws IllegalStateException if called twice
     */
    public TenantRequest build() {
      if (built) {
        throw new IllegalStateException("build() was already called; use a new builder");
      }
      built = true;
      return new SimpleRequest(Map.copyOf(headers), host, path, Map.copyOf(claims));
    }
  }
}
