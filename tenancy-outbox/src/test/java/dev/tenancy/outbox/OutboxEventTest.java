package dev.tenancy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxEventTest {

  @Test
  void validatesTopicKeyContentTypeAndHeadersWithMessagesThatSayWhatIsAllowed() {
    assertThatThrownBy(() -> OutboxEvent.of("", "k", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic must be 1 to 200 characters");
    assertThatThrownBy(() -> OutboxEvent.of("a b", "k", new byte[0])).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> OutboxEvent.of("t", "", new byte[0])).hasMessageContaining("key must be 1 to 200");
    assertThatThrownBy(() -> OutboxEvent.of("t", "a\nb", new byte[0])).hasMessageContaining("a\\u000ab");
    assertThatThrownBy(() -> new OutboxEvent("t", "k", new byte[0], "json", Map.of()))
        .hasMessageContaining("contentType must be a media type");
    assertThatThrownBy(() -> OutboxEvent.of("t", "k", new byte[0]).withHeader("tenancy-tenant", "x"))
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> OutboxEvent.of("t", "k", new byte[0]).withHeader("h", "x".repeat(1025)))
        .hasMessageContaining("at most 1024");
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i <= OutboxEvent.MAX_HEADERS; i++) {
      many.put("h" + i, "v");
    }
    assertThatThrownBy(() -> new OutboxEvent("t", "k", new byte[0], OutboxEvent.JSON, many))
        .hasMessageContaining("at most 32 headers");
  }

  @Test
  void copiesThePayloadAndComparesByContent() {
    byte[] payload = {1, 2};
    OutboxEvent e = OutboxEvent.of("t", "k", payload);
    payload[0] = 9;
    assertThat(e.payload()).containsExactly(1, 2);
    e.payload()[1] = 9;
    assertThat(e.payload()).containsExactly(1, 2);
    assertThat(e).isEqualTo(OutboxEvent.of("t", "k", new byte[] {1, 2}));
    assertThat(OutboxEvent.json("t", "k", "{}").contentType()).isEqualTo("application/json");
    assertThat(e.toString()).contains("2 bytes").doesNotContain("[1, 2]");
  }

  @Test
  void buildersAreStrictAndSingleUse() {
    OutboxSchema.Builder b = OutboxSchema.builder().relayRole("relay");
    assertThatThrownBy(() -> b.relayRole("other")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("relayRole was already set");
    b.build();
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> OutboxSchema.builder().outboxTable("Outbox; DROP"))
        .isInstanceOf(IllegalArgumentException.class);
    OutboxRelay.Builder r = OutboxRelay.builder(new org.postgresql.ds.PGSimpleDataSource(), OutboxPublishers.inMemory());
    assertThatThrownBy(() -> r.workers(0)).hasMessageContaining("workers must be 1 to 64");
    assertThatThrownBy(() -> r.pollInterval(Duration.ZERO)).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> OutboxRelay.builder(new org.postgresql.ds.PGSimpleDataSource(),
        OutboxPublishers.inMemory()).backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .hasMessageContaining("maxBackoff");
  }

  @Test
  void theSchemaIsTenantScopedAndGivesTheRelayRoleItsOwnPolicy() {
    OutboxSchema s = OutboxSchema.builder().relayRole("outbox_relay").appRole("app").build();
    String sql = s.sql();
    assertThat(sql).contains("ALTER TABLE outbox FORCE ROW LEVEL SECURITY")
        .contains("ALTER TABLE inbox FORCE ROW LEVEL SECURITY")
        .contains("CREATE POLICY tenancy_outbox_relay ON outbox AS PERMISSIVE FOR ALL TO outbox_relay")
        .contains("GRANT SELECT, INSERT, UPDATE, DELETE ON outbox, outbox_parked TO outbox_relay")
        .contains("FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()")
        .doesNotContain("BYPASSRLS");
    assertThat(s.parkedTable()).isEqualTo("outbox_parked");
    assertThat(OutboxSchema.builder().notifications(false).build().notifyChannel()).isEmpty();
  }
}
