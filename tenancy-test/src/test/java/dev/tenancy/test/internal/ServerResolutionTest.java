package dev.tenancy.test.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerResolutionTest {

  @Test
  void noPostgresAnywhereFailsWithEveryWayToProvideOne() {
    assertThatThrownBy(() -> PostgresServers.resolve(Map.of(), () -> false, () -> {
          throw new IllegalStateException("initdb: cannot be run as root");
        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TENANCY_TEST_POSTGRES_URL=jdbc:postgresql://")
        .hasMessageContaining("Docker")
        .hasMessageContaining("unshare -U")
        .hasMessageContaining("initdb: cannot be run as root");
  }

  @Test
  void malformedPostgresUrlIsRejectedWithoutFallingBack() {
    assertThatThrownBy(() -> PostgresServers.resolve(Map.of(Env.POSTGRES_URL, "postgres://x?password=secret"),
            () -> { throw new AssertionError("must not fall back to Docker"); },
            () -> { throw new AssertionError("must not fall back to embedded"); }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a JDBC URL")
        .hasMessageNotContaining("secret");
  }

  @Test
  void postgresUrlWithoutUserAsksForOne() {
    assertThatThrownBy(() -> PostgresServers.fromUrl("jdbc:postgresql://127.0.0.1:1/x", null, null))
        .hasMessageContaining("TENANCY_TEST_POSTGRES_USER");
  }

  @Test
  void unreachablePostgresUrlSaysWhichServer() {
    assertThatThrownBy(() -> PostgresServers.fromUrl("jdbc:postgresql://127.0.0.1:1/x?user=postgres", null, null))
        .hasMessageContaining("cannot log in to PostgreSQL")
        .hasMessageContaining("127.0.0.1:1");
  }

  @Test
  void noRedisAnywhereFailsWithEveryWayToProvideOne() {
    assertThatThrownBy(() -> RedisServers.resolve(Map.of(), () -> false, () -> {
          throw new IllegalStateException("no binary");
        }))
        .hasMessageContaining("TENANCY_TEST_REDIS_URL=redis://")
        .hasMessageContaining("Docker")
        .hasMessageContaining("no binary");
  }

  @Test
  void noPgBouncerAnywhereFailsWithEveryWayToProvideOne() {
    PostgresServer pg = new PostgresServer("test", "127.0.0.1", 5432, "postgres", "postgres", "", Map.of(), null, null);
    assertThatThrownBy(() -> PgBouncers.resolve(Map.of(), () -> false, pg, server -> {
          throw new IllegalStateException("no 'pgbouncer' executable on the PATH");
        }))
        .hasMessageContaining("TENANCY_TEST_PGBOUNCER_URL=")
        .hasMessageContaining("pool_mode=transaction")
        .hasMessageContaining("start-pgbouncer.sh")
        .hasMessageContaining("no 'pgbouncer' executable");
  }

  @Test
  void aFailedStartIsRememberedAndRethrownToEveryCaller() {
    int[] calls = {0};
    Lazy<String> lazy = new Lazy<>(() -> {
      calls[0]++;
      throw new IllegalStateException("down");
    });
    assertThatThrownBy(lazy::get).hasMessage("down");
    assertThatThrownBy(lazy::get).hasMessage("down");
    assertThat(calls[0]).isEqualTo(1);
  }

  @Test
  void jdbcUrlsCarryEncodedCredentialsAndNoEmptyPassword() {
    assertThat(PostgresServer.jdbcUrl("h", 5, "db", "u", "p&w=", Map.of("prepareThreshold", "0")))
        .isEqualTo("jdbc:postgresql://h:5/db?password=p%26w%3D&prepareThreshold=0&user=u");
    assertThat(PostgresServer.jdbcUrl("h", 5, "db", "u", "", Map.of())).isEqualTo("jdbc:postgresql://h:5/db?user=u");
  }

  @Test
  void pgBouncerConfigIsTransactionModeWithWildcardAndQuotedAuthFile() {
    String ini = PgBouncerConfig.ini("127.0.0.1", 5432, "127.0.0.1", 7000, "/x/userlist.txt", "", "postgres");
    assertThat(ini).contains("* = host=127.0.0.1 port=5432", "pool_mode = transaction", "listen_port = 7000",
        "ignore_startup_parameters = extra_float_digits,options", "auth_user = postgres");
    assertThat(PgBouncerConfig.authFile("postgres", "", Map.of("b", "x\"y", "a", "pw")))
        .isEqualTo("\"postgres\" \"\"\n\"a\" \"pw\"\n\"b\" \"x\"\"y\"\n");
  }
}
