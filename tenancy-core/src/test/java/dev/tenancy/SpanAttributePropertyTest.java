package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/** The tenant recorded on spans follows the scopes: each span carries the tenant of the scope opened in it. */
class SpanAttributePropertyTest {

  private static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();
  private static final SdkTracerProvider PROVIDER = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(EXPORTER)).build();
  private static final Tracer TRACER = PROVIDER.get("property");

  @AfterContainer
  static void shutdown() {
    PROVIDER.shutdown();
  }

  /** Open a span and a scope for a tenant (empty: a system scope) inside it, or close the innermost pair. */
  record Step(boolean open, Optional<TenantId> tenant) {}

  @Provide
  Arbitrary<List<Step>> programs() {
    Arbitrary<Step> open = Ids.tenants(4).optional(0.8).map(tenant -> new Step(true, tenant));
    Arbitrary<Step> close = Arbitraries.just(new Step(false, Optional.empty()));
    return Arbitraries.frequencyOf(Tuple.of(3, open), Tuple.of(2, close)).list().ofMaxSize(30);
  }

  private record Open(Span span, Scope spanScope, TenantScope tenantScope, Optional<TenantId> tenant) {}

  @Property(tries = 1000)
  @SuppressWarnings("MustBeClosedChecker") // scopes are closed out of lexical order on purpose, by end(...)
  void everySpanCarriesTheTenantOfTheScopeOpenedInIt(@ForAll("programs") List<Step> program) {
    EXPORTER.reset();
    Deque<Open> open = new ArrayDeque<>();
    Map<String, Optional<TenantId>> expected = new HashMap<>();
    for (Step step : program) {
      if (step.open()) {
        Span span = TRACER.spanBuilder("work").startSpan();
        Scope spanScope = span.makeCurrent();
        TenantScope tenantScope = step.tenant().isPresent() ? TenantContext.open(step.tenant().get())
            : TenantContext.openSystem("property");
        open.push(new Open(span, spanScope, tenantScope, step.tenant()));
        expected.put(span.getSpanContext().getSpanId(), step.tenant());
      } else if (!open.isEmpty()) {
        end(open.pop());
      }
    }
    while (!open.isEmpty()) {
      end(open.pop());
    }
    assertThat(TenantContext.current()).isEmpty();
    List<SpanData> spans = EXPORTER.getFinishedSpanItems();
    assertThat(spans).hasSize(expected.size());
    for (SpanData span : spans) {
      Optional<TenantId> tenant = expected.get(span.getSpanId());
      assertThat(span.getAttributes().get(TenantContext.SPAN_ATTRIBUTE)).isEqualTo(tenant.map(TenantId::value).orElse(null));
      assertThat(span.getAttributes().get(TenantContext.SYSTEM_SPAN_ATTRIBUTE) != null).isEqualTo(tenant.isEmpty());
    }
  }

  private static void end(Open pair) {
    pair.tenantScope().close();
    pair.spanScope().close();
    pair.span().end();
  }
}
