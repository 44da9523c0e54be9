package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantBaggageTest {

  private static final TenantId ACME = TenantId.of("acme");

  @Test
  void attachCarriesTheTenantInW3cBaggage() {
    Map<String, String> headers = new HashMap<>();
    try (TenantScope tenant = TenantContext.open(ACME); Scope baggage = TenantBaggage.attach()) {
      W3CBaggagePropagator.getInstance().inject(Context.current(), headers, Map::put);
    }
    assertThat(headers).containsEntry("baggage", "tenant.id=acme");
    assertThat(Baggage.current().getEntryValue(TenantBaggage.KEY)).isNull();
  }

  @Test
  void attachWithoutTenantCarriesNothing() {
    try (Scope baggage = TenantBaggage.attach()) {
      assertThat(Baggage.current().getEntryValue(TenantBaggage.KEY)).isNull();
    }
  }

  @Test
  void incomingBaggageIsOnlyAClaim() {
    Baggage incoming = extract("tenant.id=globex");
    assertThat(TenantBaggage.claim(incoming)).contains("globex");
    // The claim never becomes the tenant by itself.
    assertThat(TenantContext.current()).isEmpty();
    assertThatThrownBy(() -> TenantBaggage.checkClaim(incoming, ACME))
        .isInstanceOf(TenantResolutionException.class)
        .hasMessageContaining("claims tenant 'globex'")
        .hasMessageContaining("verified for tenant 'acme'");
    assertThatCode(() -> TenantBaggage.checkClaim(extract("tenant.id=acme"), ACME)).doesNotThrowAnyException();
    assertThatCode(() -> TenantBaggage.checkClaim(Baggage.empty(), ACME)).doesNotThrowAnyException();
  }

  private static Baggage extract(String header) {
    Context context = W3CBaggagePropagator.getInstance().extract(Context.root(), Map.of("baggage", header),
        new TextMapGetter<Map<String, String>>() {
          @Override
          @SuppressWarnings("deprecation") // still abstract in the API: every getter implements it
          public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
          }

          @Override
          public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
          }
        });
    return Baggage.fromContext(context);
  }
}
