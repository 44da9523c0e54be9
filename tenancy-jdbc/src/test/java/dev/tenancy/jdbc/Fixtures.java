package dev.tenancy.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tenancy.TenantId;
import dev.tenancy.jdbc.hikari.TenancyHikari;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The schema and pools the jdbc tests share: an RLS-scoped invoices table and an ordinary application role. */
public final class Fixtures {

  public static final TenantId ACME = TenantId.of("acme");
  public static final TenantId GLOBEX = TenantId.of("globex");

  private Fixtures() {}

  /** Creates {@code invoices} (acme: ids 1-3, globex: ids 1-2), tenant-scoped, and an app role that may use it. */
  public static TestRole invoices(TestDatabase db) {
    db.execute("CREATE TABLE invoices (tenant_id text NOT NULL, id bigint NOT NULL, amount bigint NOT NULL, "
        + "PRIMARY KEY (tenant_id, id))");
    db.execute(TenantPolicy.forTable("invoices").build().statements().toArray(String[]::new));
    db.execute("INSERT INTO invoices VALUES ('acme', 1, 100), ('acme', 2, 200), ('acme', 3, 300), "
        + "('globex', 1, 1000), ('globex', 2, 2000)");
    TestRole app = db.createRole("app");
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO " + app.name());
    return app;
  }

  public static HikariDataSource pool(String jdbcUrl, int size, ConnectionSettings settings) {
    return pool(jdbcUrl, size, settings, true);
  }

  public static HikariDataSource pool(String jdbcUrl, int size, ConnectionSettings settings, boolean autoCommit) {
    HikariConfig config = new HikariConfig();
    config.setAutoCommit(autoCommit);
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    TenancyHikari.apply(settings, config);
    return new HikariDataSource(config);
  }

  /** All rows as the administrator (who bypasses RLS), as "tenant:id:amount". */
  public static List<String> allRows(TestDatabase db) throws SQLException {
    return rows(db.adminDataSource(), "SELECT tenant_id || ':' || id || ':' || amount FROM invoices ORDER BY 1");
  }

  public static List<String> rows(DataSource dataSource, String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      return rows(connection, sql);
    }
  }

  public static List<String> rows(Connection connection, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  public static String setting(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SELECT current_setting('tenancy.tenant_id', true)")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
