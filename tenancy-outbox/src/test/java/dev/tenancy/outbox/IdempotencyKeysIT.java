package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenancy.TenantContext;
import dev.tenancy.TenantId;
import dev.tenancy.TenantScope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdempotencyKeysIT {
  OutboxDb db;

  @BeforeEach
  void setUp() {
    db = OutboxDb.create(false, 2);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  IdempotencyKeys.Outcome run(IdempotencyKeys keys, TenantId tenant, IdempotencyKeys.Request r, String response)
      throws Exception {
    try (TenantScope s = TenantContext.open(tenant); Connection c = db.tenantDs.getConnection()) {
      c.setAutoCommit(false);
      IdempotencyKeys.Outcome o = keys.execute(c, r, tx -> response.getBytes(StandardCharsets.UTF_8));
      c.commit();
      return o;
    }
  }

  @Test
  void keysAreScopedByTenantPrincipalAndOperation() throws Exception {
    IdempotencyKeys keys = IdempotencyKeys.builder().schema(db.schema).build();
    TenantId acme = TenantId.of("acme");
    assertThat(run(keys, acme, IdempotencyKeys.Request.of("u1", "pay", "k", "a"), "r1").replayed()).isFalse();
    assertThat(run(keys, TenantId.of("globex"), IdempotencyKeys.Request.of("u1", "pay", "k", "b"), "r2").replayed())
        .isFalse();
    assertThat(run(keys, acme, IdempotencyKeys.Request.of("u2", "pay", "k", "b"), "r3").replayed()).isFalse();
    assertThat(run(keys, acme, IdempotencyKeys.Request.of("u1", "refund", "k", "b"), "r4").replayed()).isFalse();
    IdempotencyKeys.Outcome again = run(keys, acme, IdempotencyKeys.Request.of("u1", "pay", "k", "a"), "other");
    assertThat(again.replayed()).isTrue();
    assertThat(new String(again.response(), StandardCharsets.UTF_8)).isEqualTo("r1");
  }

  @Test
  void anExpiredKeyIsNewAgainAndAutoCommitIsRefused() throws Exception {
    IdempotencyKeys keys = IdempotencyKeys.builder().schema(db.schema).retention(Duration.ofMillis(200)).build();
    TenantId acme = TenantId.of("acme");
    run(keys, acme, IdempotencyKeys.Request.of("u1", "pay", "k", "a"), "r1");
    Thread.sleep(400);
    IdempotencyKeys.Outcome o = run(keys, acme, IdempotencyKeys.Request.of("u1", "pay", "k", "different"), "r2");
    assertThat(o.replayed()).isFalse();
    try (TenantScope s = TenantContext.open(acme); Connection c = db.tenantDs.getConnection()) {
      assertThatThrownBy(() -> keys.execute(c, IdempotencyKeys.Request.of("u", "o", "k", "x"), tx -> new byte[0]))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("setAutoCommit(false)");
    }
    assertThatThrownBy(() -> IdempotencyKeys.Request.of("u", "o", "", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key must be 1 to 255");
  }
}
