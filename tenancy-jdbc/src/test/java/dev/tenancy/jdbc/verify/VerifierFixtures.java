package dev.tenancy.jdbc.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenancy.jdbc.TenantPolicy;
import dev.tenancy.jdbc.verify.Finding.Kind;
import dev.tenancy.jdbc.verify.IsolationVerifier.PoolerCheck;
import dev.tenancy.test.TestDatabase;
import dev.tenancy.test.TestRole;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The set-up and checks the verifier test classes share: an application role, schemas, protected tables. */
final class VerifierFixtures {

  private VerifierFixtures() {}

  /** Creates the application role in a database where, as in a correct one, PUBLIC has no TEMPORARY privilege. */
  static TestRole appRoleWithoutTemporary(TestDatabase db) {
    TestRole appRole = db.createRole("app");
    db.execute("REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC");
    return appRole;
  }

  /** Creates the schema {@code name} and lets {@code app} use it. */
  static String schema(TestDatabase db, String app, String name) {
    db.execute("CREATE SCHEMA " + name, "GRANT USAGE ON SCHEMA " + name + " TO " + app);
    return name;
  }

  /** Applies the generated policy to {@code table} and grants it to {@code app}. */
  static void protect(TestDatabase db, String app, String table) {
    db.execute(TenantPolicy.forTable(table).build().statements().toArray(String[]::new));
    db.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO " + app);
  }

  /** Verifies {@code schema} only, through {@code dataSource}, without the pooler check. */
  static IsolationReport verify(DataSource dataSource, String schema) throws SQLException {
    return IsolationVerifier.builder(dataSource).schemas(schema).poolerCheck(PoolerCheck.SKIP).build().verify();
  }

  /** Asserts the report holds exactly one finding of {@code kind} on {@code object} mentioning the text. */
  static Finding onlyFinding(IsolationReport report, Kind kind, String object, String messagePart) {
    List<Finding> matching = new ArrayList<>();
    for (Finding finding : report.findings(kind)) {
      if (finding.object().equals(object) && finding.message().contains(messagePart)) {
        matching.add(finding);
      }
    }
    assertThat(matching).as("%s on %s mentioning '%s' in %s", kind, object, messagePart, report).hasSize(1);
    return matching.get(0);
  }
}
