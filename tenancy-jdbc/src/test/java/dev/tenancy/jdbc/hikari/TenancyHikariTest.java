package dev.tenancy.jdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import dev.tenancy.jdbc.ConnectionSettings;
import org.junit.jupiter.api.Test;

class TenancyHikariTest {

  @Test
  void transactionPoolerTurnsOffNamedServerStatements() {
    HikariConfig config = TenancyHikari.apply(ConnectionSettings.TRANSACTION_POOLER, new HikariConfig());
    assertThat(config.getDataSourceProperties())
        .containsEntry("prepareThreshold", "0")
        .containsEntry("tcpKeepAlive", "true")
        .containsEntry("assumeMinServerVersion", "9.4");
  }

  @Test
  void directKeepsTheDriversPreparedStatements() {
    HikariConfig config = TenancyHikari.apply(ConnectionSettings.DIRECT, new HikariConfig());
    assertThat(config.getDataSourceProperties()).doesNotContainKey("prepareThreshold")
        .containsEntry("tcpKeepAlive", "true");
  }

  @Test
  void transactionPoolerRefusesSessionStateSetOnConnect() {
    HikariConfig config = new HikariConfig();
    config.setConnectionInitSql("SET search_path = tenant_a");
    assertThatThrownBy(() -> TenancyHikari.apply(ConnectionSettings.TRANSACTION_POOLER, config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connectionInitSql");
    assertThat(TenancyHikari.apply(ConnectionSettings.DIRECT, config).getConnectionInitSql()).isNotNull();
  }
}
