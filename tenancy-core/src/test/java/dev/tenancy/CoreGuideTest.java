package dev.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The examples of README.md and docs/core.md, compiled and run: each region is what the documentation shows
 * (the drift check in docs-check compares them), and each test checks that the example does what the text says.
 */
class CoreGuideTest {

  private static final Logger log = LoggerFactory.getLogger(CoreGuideTest.class);

  /** Stands for an application service: records the tenant (and the MDC's) each call ran for. */
  private static final class Service {
    final List<String> tenants = new ArrayList<>();

    synchronized void create(Object draft) {
      assertThat(draft).isNotNull();
      tenants.add(TenantContext.require().value() + "/" + MDC.get(TenantContext.MDC_KEY));
    }

    void refresh() {
      create("refresh");
    }

    void collect() {
      create("collect");
    }

    synchronized void send(Object request) {
      assertThat(request).isNotNull();
      tenants.add(Baggage.current().getEntryValue(TenantBaggage.KEY));
    }
  }

  @Test
  @SuppressWarnings("FutureReturnValueIgnored") // as in the README; the pool is awaited below
  void readmeIntroduction() throws Exception {
    TenantDirectory directory = TenantDirectory.of(List.of(TenantInfo.active(TenantId.of("acme"), "standard")));
    TenantRequest request = TenantRequest.builder().verifiedClaim("tenant", "acme").build();
    Service invoices = new Service();
    Service reports = new Service();
    Object draft = "draft";
    ExecutorService pool = TenantExecutors.wrap(Executors.newSingleThreadExecutor());
    try {
      // @start region="intro"
      TenantResolver resolver = TenantResolvers.verified(TenantResolvers.claim("tenant"), directory);
      try (TenantScope scope = TenantContext.open(resolver.require(request))) {
        invoices.create(draft);                    // TenantContext.require() is the request's tenant here,
        pool.submit(() -> reports.refresh());      // in tasks of TenantExecutors.wrap(pool),
        log.info("invoice created");               // in the MDC (tenant_id) and on the current span (tenant.id)
      }
      // @end region="intro"
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(invoices.tenants).containsExactly("acme/acme");
    assertThat(reports.tenants).containsExactly("acme/acme");
    assertThat(TenantContext.current()).isEmpty();
  }

  @Test
  void scopes() {
    // @start region="scopes"
    try (TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
      TenantContext.require();          // acme
      try (TenantScope inner = TenantContext.open(TenantId.of("globex"))) {
        TenantContext.require();        // globex
      }
      TenantContext.require();          // acme again
    }
    TenantContext.current();            // Optional.empty()
    // @end region="scopes"
    // The same steps, checked.
    List<Object> seen = new ArrayList<>();
    try (TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
      seen.add(TenantContext.require());
      try (TenantScope inner = TenantContext.open(TenantId.of("globex"))) {
        seen.add(TenantContext.require());
      }
      seen.add(TenantContext.require());
    }
    seen.add(TenantContext.current());
    assertThat(seen).containsExactly(TenantId.of("acme"), TenantId.of("globex"), TenantId.of("acme"),
        java.util.Optional.empty());
  }

  @Test
  void systemScope() {
    List<TenantId> tenants = List.of(TenantId.of("acme"), TenantId.of("globex"));
    Service usage = new Service();
    // @start region="system-scope"
    try (TenantScope system = TenantContext.openSystem("nightly usage report")) {
      for (TenantId tenant : tenants) {
        TenantContext.run(tenant, () -> usage.collect());   // one tenant at a time
      }
    }
    // @end region="system-scope"
    assertThat(usage.tenants).containsExactly("acme/acme", "globex/globex");
    try (TenantScope system = TenantContext.openSystem("check")) {
      assertThat(TenantContext.current()).isEmpty();
      assertThatThrownBy(TenantContext::require).isInstanceOf(NoTenantException.class);
      assertThat(TenantContext.systemScope()).contains("check");
    }
  }

  @Test
  void baggage() {
    Service httpClient = new Service();
    Object request = "GET /invoices";
    try (TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
      // @start region="baggage"
      try (Scope baggage = TenantBaggage.attach()) {
        httpClient.send(request);   // the propagator sends: baggage: tenant.id=acme
      }
      // @end region="baggage"
    }
    assertThat(httpClient.tenants).containsExactly("acme");
    assertThat(Baggage.fromContext(Context.current()).getEntryValue("tenant.id")).isNull();
  }
}
