package dev.tenancy.jdbc.verify;

import dev.tenancy.TenancyException;
import java.util.Objects;

/**
 * Thrown by {@link IsolationVerifier#requireIsolated()} when the database does not isolate tenants; the message
 * lists every finding, errors and warnings, each with the fix. Catch it only to report it: an application should
 * not start in this state.
 */
public final class IsolationException extends TenancyException {

  private static final long serialVersionUID = 1L;

  private final transient IsolationReport report;

  IsolationException(IsolationReport report) {
    super(message(Objects.requireNonNull(report, "report")));
    this.report = report;
  }

  /**
   * The report that caused this exception.
   *
   * @return the report
   */
  public IsolationReport report() {
    return report;
  }

  private static String message(IsolationReport report) {
    StringBuilder text = new StringBuilder("tenant isolation is not enforced for role ").append(report.role())
        .append(" in database ").append(report.database()).append(": ").append(report.errors().size())
        .append(" error(s), ").append(report.warnings().size())
        .append(" warning(s); fix each one below, or exempt tables that are deliberately shared:");
    int n = 1;
    for (Finding finding : report.findings()) {
      text.append("\n").append(n++).append(". ").append(finding);
    }
    return text.toString();
  }
}
