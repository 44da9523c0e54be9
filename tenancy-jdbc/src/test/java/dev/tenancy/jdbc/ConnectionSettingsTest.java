package dev.tenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionSettingsTest {

  @Test
  void directKeepsTheDriversPreparedStatements() {
    assertThat(ConnectionSettings.DIRECT.pgjdbcProperties()).doesNotContainKey("prepareThreshold")
        .containsEntry("tcpKeepAlive", "true");
    assertThat(ConnectionSettings.TRANSACTION_POOLER.pgjdbcProperties()).containsEntry("prepareThreshold", "0");
  }

  @Test
  void propertiesAreCopies() {
    ConnectionSettings.TRANSACTION_POOLER.pgjdbcProperties().clear();
    assertThat(ConnectionSettings.TRANSACTION_POOLER.pgjdbcProperties()).containsKey("prepareThreshold");
  }

  /**
   * The core types load, and reflection over them works, without the optional jars (HikariCP, Hibernate,
   * pgjdbc): {@code Enum.valueOf} and {@code getMethods()} resolve every public signature, so a HikariConfig
   * parameter on {@link ConnectionSettings} would fail here with NoClassDefFoundError.
   */
  @Test
  void coreTypesNeedNoOptionalJar() throws Exception {
    List<URL> locations = new ArrayList<>();
    for (Class<?> type : List.of(ConnectionSettings.class, dev.tenancy.TenantId.class)) {
      locations.add(type.getProtectionDomain().getCodeSource().getLocation());
    }
    try (URLClassLoader loader = new URLClassLoader(locations.toArray(URL[]::new),
        ClassLoader.getPlatformClassLoader())) {
      assertThat(loader.getResource("com/zaxxer/hikari/HikariConfig.class")).isNull();
      assertThat(loader.getResource("org/postgresql/PGConnection.class")).isNull();
      Class<?> settings = loader.loadClass(ConnectionSettings.class.getName());
      @SuppressWarnings({"unchecked", "rawtypes"})
      Object direct = Enum.valueOf((Class) settings, "DIRECT");
      assertThat(direct).hasToString("DIRECT");
      for (String name : List.of(ConnectionSettings.class.getName(), TenantPolicy.class.getName(),
          TenantDataSource.class.getName(), NoTenantPolicy.class.getName())) {
        Method[] methods = loader.loadClass(name).getMethods();
        assertThat(methods).as(name).isNotEmpty();
      }
    }
  }
}
