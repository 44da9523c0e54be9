package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import org.junit.jupiter.api.Test;

class ConnectionSettingsTest {

  @Test
  void transactionPoolerTurnsOffNamedServerStatements() {
    HikariConfig config = ConnectionSettings.TRANSACTION_POOLER.applyTo(new HikariConfig());
    assertThat(config.getDataSourceProperties())
        .containsEntry("prepareThreshold", "0")
        .containsEntry("tcpKeepAlive", "true")
        .containsEntry("assumeMinServerVersion", "9.4");
  }

  @Test
  void directKeepsTheDriversPreparedStatements() {
    HikariConfig config = ConnectionSettings.DIRECT.applyTo(new HikariConfig());
    assertThat(config.getDataSourceProperties()).doesNotContainKey("prepareThreshold")
        .containsEntry("tcpKeepAlive", "true");
    assertThat(ConnectionSettings.DIRECT.pgjdbcProperties()).doesNotContainKey("prepareThreshold");
  }

  @Test
  void transactionPoolerRefusesSessionStateSetOnConnect() {
    HikariConfig config = new HikariConfig();
    config.setConnectionInitSql("SET search_path = tenant_a");
    assertThatThrownBy(() -> ConnectionSettings.TRANSACTION_POOLER.applyTo(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connectionInitSql");
    assertThat(ConnectionSettings.DIRECT.applyTo(config).getConnectionInitSql()).isNotNull();
  }

  @Test
  void propertiesAreCopies() {
    ConnectionSettings.TRANSACTION_POOLER.pgjdbcProperties().clear();
    assertThat(ConnectionSettings.TRANSACTION_POOLER.pgjdbcProperties()).containsKey("prepareThreshold");
  }
}
