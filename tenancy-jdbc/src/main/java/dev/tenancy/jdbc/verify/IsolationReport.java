package dev.tenancy.jdbc.verify;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link IsolationVerifier#verify()}: every {@link Finding} about one database as seen by one
 * application role. Immutable and thread-safe.
 */
public final class IsolationReport {

  private static final Comparator<Finding> ORDER = Comparator.comparing(Finding::severity)
      .thenComparing(Finding::kind)
      .thenComparing(Finding::object)
      .thenComparing(Finding::message);

  private final String role;
  private final String database;
  private final List<Finding> findings;
  private final @Nullable PoolerDetection poolerDetection;

  IsolationReport(String role, String database, List<Finding> findings, @Nullable PoolerDetection poolerDetection) {
    this.role = Objects.requireNonNull(role, "role");
    this.database = Objects.requireNonNull(database, "database");
    this.findings = findings.stream().sorted(ORDER).toList();
    this.poolerDetection = poolerDetection;
  }

  /**
   * All findings, errors first.
   *
   * @return an immutable list
   */
  public List<Finding> findings() {
    return findings;
  }

  /**
   * The findings of one kind.
   *
   * @param kind the kind to select
   * @return an immutable list, empty if there is none
   */
  public List<Finding> findings(Finding.Kind kind) {
    Objects.requireNonNull(kind, "kind");
    return findings.stream().filter(f -> f.kind() == kind).toList();
  }

  /**
   * The findings with severity {@link Finding.Severity#ERROR}.
   *
   * @return an immutable list
   */
  public List<Finding> errors() {
    return findings.stream().filter(f -> f.severity() == Finding.Severity.ERROR).toList();
  }

  /**
   * The findings with severity {@link Finding.Severity#WARNING}.
   *
   * @return an immutable list
   */
  public List<Finding> warnings() {
    return findings.stream().filter(f -> f.severity() == Finding.Severity.WARNING).toList();
  }

  /**
   * Whether there is no finding at all, not even a warning.
   *
   * @return true if the report is empty
   */
  public boolean isClean() {
    return findings.isEmpty();
  }

  /**
   * Whether some finding is an error, which makes {@link IsolationVerifier#requireIsolated()} throw.
   *
   * @return true if at least one finding has severity {@link Finding.Severity#ERROR}
   */
  public boolean hasErrors() {
    return findings.stream().anyMatch(f -> f.severity() == Finding.Severity.ERROR);
  }

  /**
   * The role the checks were made for: {@code current_user} of the verified {@code DataSource}.
   *
   * @return the role name
   */
  public String role() {
    return role;
  }

  /**
   * The database that was checked.
   *
   * @return the {@code current_database()}
   */
  public String database() {
    return database;
  }

  /**
   * The pooler check's outcome.
   *
   * @return the detection, or empty if the pooler check was {@link IsolationVerifier.PoolerCheck#SKIP skipped}
   */
  public Optional<PoolerDetection> poolerDetection() {
    return Optional.ofNullable(poolerDetection);
  }

  /** A heading plus one line per finding. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("tenant isolation report for role ").append(role)
        .append(" in database ").append(database).append(": ").append(errors().size()).append(" error(s), ")
        .append(warnings().size()).append(" warning(s)");
    for (Finding finding : findings) {
      text.append("\n - ").append(finding);
    }
    return text.toString();
  }
}
