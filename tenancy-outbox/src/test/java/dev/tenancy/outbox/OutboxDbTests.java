package dev.tenancy.outbox;

import dev.tenancy.TenantId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of the tests that each need a fresh database with the default outbox schema and two tenants. */
abstract class OutboxDbTests {
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");

  OutboxDb db;

  @BeforeEach
  void setUp() {
    db = OutboxDb.create();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }
}
