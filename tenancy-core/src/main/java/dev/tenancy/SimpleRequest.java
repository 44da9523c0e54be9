package dev.tenancy;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The immutable request built by {@link TenantRequest.Builder}; header names are stored lowercased. */
record SimpleRequest(Map<String, String> headers, @Nullable String hostValue, String path, Map<String, String> claims)
    implements TenantRequest {

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  @Override
  public Optional<String> host() {
    return Optional.ofNullable(hostValue);
  }

  @Override
  public Optional<String> verifiedClaim(String name) {
    return Optional.ofNullable(claims.get(name));
  }
}
