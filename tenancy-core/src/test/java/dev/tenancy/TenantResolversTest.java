package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TenantResolversTest {

  private static final TenantId ACME = TenantId.of("acme");

  @Test
  void headerResolverReadsTheHeaderCaseInsensitively() {
    TenantResolver resolver = TenantResolvers.header("X-Tenant-Id");
    assertThat(resolver.resolve(TenantRequest.builder().header("x-tenant-id", "acme").build())).contains(ACME);
    assertThat(resolver.resolve(TenantRequest.builder().build())).isEmpty();
  }

  @Test
  void malformedHeaderIsRejectedNotSkipped() {
    TenantResolver resolver = TenantResolvers.firstMatch(TenantResolvers.header("X-Tenant-Id"),
        TenantResolvers.subdomain("example.com"));
    TenantRequest request = TenantRequest.builder().header("X-Tenant-Id", "acme' OR '1'='1")
        .host("globex.example.com").build();
    assertThatThrownBy(() -> resolver.resolve(request))
        .isInstanceOf(TenantResolutionException.class)
        .hasMessageContaining("header 'X-Tenant-Id' does not hold a valid tenant id");
  }

  @Test
  void subdomainResolverTakesTheSingleLabelUnderTheBase() {
    TenantResolver resolver = TenantResolvers.subdomain("example.com", "www", "api");
    assertThat(resolver.resolve(host("acme.example.com"))).contains(ACME);
    assertThat(resolver.resolve(host("ACME.Example.com:8443"))).contains(ACME);
    assertThat(resolver.resolve(host("acme.example.com."))).contains(ACME);
    assertThat(resolver.resolve(host("example.com"))).isEmpty();
    assertThat(resolver.resolve(host("www.example.com"))).isEmpty();
    assertThat(resolver.resolve(host("acme.example.org"))).isEmpty();
    assertThat(resolver.resolve(host("acmeexample.com"))).isEmpty();
    assertThat(resolver.resolve(TenantRequest.builder().build())).isEmpty();
    assertThatThrownBy(() -> resolver.resolve(host("evil.acme.example.com")))
        .isInstanceOf(TenantResolutionException.class)
        .hasMessageContaining("more than one label");
    assertThatThrownBy(() -> resolver.resolve(host("_x.example.com")))
        .isInstanceOf(TenantResolutionException.class);
  }

  @Test
  void claimResolverUsesVerifiedClaimsOnly() {
    TenantResolver resolver = TenantResolvers.claim("tenant");
    assertThat(resolver.resolve(TenantRequest.builder().verifiedClaim("tenant", "acme").build())).contains(ACME);
    assertThat(resolver.resolve(TenantRequest.builder().header("tenant", "acme").build())).isEmpty();
  }

  @Test
  void firstMatchReturnsTheFirstTenantFound() {
    TenantResolver resolver = TenantResolvers.firstMatch(TenantResolvers.claim("tenant"),
        TenantResolvers.header("X-Tenant-Id"));
    TenantRequest both = TenantRequest.builder().verifiedClaim("tenant", "acme").header("X-Tenant-Id", "globex")
        .build();
    assertThat(resolver.resolve(both)).contains(ACME);
    assertThat(resolver.resolve(TenantRequest.builder().header("X-Tenant-Id", "globex").build()))
        .contains(TenantId.of("globex"));
    assertThatThrownBy(() -> resolver.require(TenantRequest.builder().path("/invoices").build()))
        .isInstanceOf(TenantResolutionException.class)
        .hasMessageContaining("'/invoices' names no tenant");
  }

  @Test
  void verifiedResolverRejectsUnknownAndSuspendedTenantsDistinctly() {
    TenantDirectory directory = TenantDirectory.of(List.of(
        TenantInfo.active(ACME, "pro"),
        new TenantInfo(TenantId.of("globex"), TenantStatus.SUSPENDED, "free")));
    TenantResolver resolver = TenantResolvers.verified(TenantResolvers.header("X-Tenant-Id"), directory);
    assertThat(resolver.require(header("acme"))).isEqualTo(ACME);
    assertThatThrownBy(() -> resolver.resolve(header("initech")))
        .isInstanceOf(UnknownTenantException.class)
        .hasMessageContaining("'initech' is not known");
    assertThatThrownBy(() -> resolver.resolve(header("globex")))
        .isInstanceOf(TenantSuspendedException.class)
        .hasMessageContaining("'globex' is suspended");
    assertThat(directory.requireActive(ACME).tier()).isEqualTo("pro");
  }

  @Test
  void directoryRejectsDuplicates() {
    assertThatThrownBy(() -> TenantDirectory.of(List.of(TenantInfo.active(ACME, "a"), TenantInfo.active(ACME, "b"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requestBuilderIsSingleUse() {
    TenantRequest.Builder builder = TenantRequest.builder();
    builder.build();
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
  }

  private static TenantRequest host(String host) {
    return TenantRequest.builder().host(host).build();
  }

  private static TenantRequest header(String value) {
    return TenantRequest.builder().header("X-Tenant-Id", value).build();
  }
}
