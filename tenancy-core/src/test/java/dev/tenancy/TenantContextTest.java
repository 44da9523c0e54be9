package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

class TenantContextTest {

  @RegisterExtension
  static final OpenTelemetryExtension OTEL = OpenTelemetryExtension.create();

  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  @AfterEach
  void nothingLeftBound() {
    assertThat(TenantContext.current()).isEmpty();
    assertThat(MDC.get(TenantContext.MDC_KEY)).isNull();
  }

  @Test
  void requireFailsClosedWithoutTenant() {
    assertThat(TenantContext.current()).isEmpty();
    assertThatThrownBy(TenantContext::require)
        .isInstanceOf(NoTenantException.class)
        .isInstanceOf(TenancyException.class)
        .hasMessageContaining("no tenant in context")
        .hasMessageContaining("TenantContext.open");
  }

  @Test
  void closingScopeRestoresPreviousTenant() {
    try (TenantScope outer = TenantContext.open(ACME)) {
      assertThat(TenantContext.require()).isEqualTo(ACME);
      try (TenantScope inner = TenantContext.open(GLOBEX)) {
        assertThat(TenantContext.require()).isEqualTo(GLOBEX);
        assertThat(inner.tenant()).contains(GLOBEX);
      }
      assertThat(TenantContext.require()).isEqualTo(ACME);
    }
    assertThat(TenantContext.current()).isEmpty();
  }

  @Test
  void closeIsIdempotent() {
    TenantScope outer = TenantContext.open(ACME);
    TenantScope inner = TenantContext.open(GLOBEX);
    inner.close();
    inner.close();
    assertThat(TenantContext.current()).contains(ACME);
    outer.close();
    outer.close();
  }

  @Test
  void outOfOrderCloseNeverResurrectsAClosedScope() {
    TenantScope outer = TenantContext.open(ACME);
    TenantScope inner = TenantContext.open(GLOBEX);
    outer.close(); // wrong order: the inner scope stays current
    assertThat(TenantContext.current()).contains(GLOBEX);
    inner.close(); // the outer one is closed, so nothing is bound any more
    assertThat(TenantContext.current()).isEmpty();
  }

  @Test
  void scopeClosedOnAnotherThreadStaysOpenOnItsOwnThread() throws Exception {
    try (TenantScope scope = TenantContext.open(ACME)) {
      Thread other = new Thread(scope::close);
      other.start();
      other.join();
      assertThat(TenantContext.current()).contains(ACME);
    }
  }

  @Test
  void runAndCallBindForTheirDuration() throws IOException {
    AtomicReference<TenantId> seen = new AtomicReference<>();
    TenantContext.run(ACME, () -> seen.set(TenantContext.require()));
    assertThat(seen).hasValue(ACME);
    assertThat(TenantContext.call(GLOBEX, TenantContext::require)).isEqualTo(GLOBEX);
    assertThatThrownBy(() -> TenantContext.<String, IOException>call(ACME, () -> {
      throw new IOException("boom");
    })).isInstanceOf(IOException.class);
  }

  @Test
  void systemScopeHasNoTenantAndIsExplicit() {
    try (TenantScope tenant = TenantContext.open(ACME)) {
      try (TenantScope system = TenantContext.openSystem("nightly invoice run")) {
        assertThat(TenantContext.current()).isEmpty();
        assertThat(TenantContext.systemScope()).contains("nightly invoice run");
        assertThat(MDC.get(TenantContext.MDC_KEY)).isEqualTo(TenantContext.SYSTEM_MDC_VALUE);
        assertThat(system.tenant()).isEmpty();
        assertThatThrownBy(TenantContext::require)
            .isInstanceOf(NoTenantException.class)
            .hasMessageContaining("system scope 'nightly invoice run'");
        // A system job may still work for one tenant at a time.
        TenantContext.run(GLOBEX, () -> assertThat(TenantContext.require()).isEqualTo(GLOBEX));
      }
      assertThat(TenantContext.systemScope()).isEmpty();
      assertThat(TenantContext.require()).isEqualTo(ACME);
    }
  }

  @Test
  void systemScopeNeedsAReason() {
    assertThatThrownBy(() -> TenantContext.openSystem(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TenantContext.openSystem("x".repeat(201)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mdcFollowsTheScope() {
    try (TenantScope outer = TenantContext.open(ACME)) {
      assertThat(MDC.get(TenantContext.MDC_KEY)).isEqualTo("acme");
      try (TenantScope inner = TenantContext.open(GLOBEX)) {
        assertThat(MDC.get(TenantContext.MDC_KEY)).isEqualTo("globex");
      }
      assertThat(MDC.get(TenantContext.MDC_KEY)).isEqualTo("acme");
    }
    assertThat(MDC.get(TenantContext.MDC_KEY)).isNull();
  }

  @Test
  void openingAScopeRecordsTheTenantOnTheCurrentSpan() {
    Tracer tracer = OTEL.getOpenTelemetry().getTracer("test");
    Span span = tracer.spanBuilder("request").startSpan();
    try (Scope spanScope = span.makeCurrent(); TenantScope scope = TenantContext.open(ACME)) {
      assertThat(TenantContext.require()).isEqualTo(ACME);
    } finally {
      span.end();
    }
    Span systemSpan = tracer.spanBuilder("relay").startSpan();
    try (Scope spanScope = systemSpan.makeCurrent(); TenantScope scope = TenantContext.openSystem("outbox relay")) {
      assertThat(TenantContext.systemScope()).isPresent();
    } finally {
      systemSpan.end();
    }
    assertThat(OTEL.getSpans()).hasSize(2);
    SpanData request = OTEL.getSpans().get(0);
    assertThat(request.getAttributes().get(TenantContext.SPAN_ATTRIBUTE)).isEqualTo("acme");
    SpanData relay = OTEL.getSpans().get(1);
    assertThat(relay.getAttributes().get(TenantContext.SYSTEM_SPAN_ATTRIBUTE)).isEqualTo("outbox relay");
    assertThat(relay.getAttributes().get(TenantContext.SPAN_ATTRIBUTE)).isNull();
  }

  @Test
  void scopeWithoutASpanIsHarmless() {
    try (TenantScope scope = TenantContext.open(ACME)) {
      assertThat(Span.current().getSpanContext().isValid()).isFalse();
      assertThat(TenantContext.require()).isEqualTo(ACME);
    }
  }
}
