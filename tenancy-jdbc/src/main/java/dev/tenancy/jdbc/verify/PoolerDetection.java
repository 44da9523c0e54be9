package dev.tenancy.jdbc.verify;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * What {@link IsolationVerifier#detectPooler(javax.sql.DataSource)} found out about a transaction-mode pooler (such
 * as PgBouncer with {@code pool_mode = transaction}) between the application and PostgreSQL. Immutable and
 * thread-safe.
 */
public final class PoolerDetection {

  private static final int UNKNOWN = -1;

  private final boolean transactionPooler;
  private final boolean declared;
  private final boolean statementClash;
  private final int firstBackendPid;
  private final int secondBackendPid;
  private final int prepareThreshold;
  private final String evidence;

  private PoolerDetection(boolean transactionPooler, boolean declared, boolean statementClash, int firstBackendPid,
      int secondBackendPid, int prepareThreshold, String evidence) {
    this.transactionPooler = transactionPooler;
    this.declared = declared;
    this.statementClash = statementClash;
    this.firstBackendPid = firstBackendPid;
    this.secondBackendPid = secondBackendPid;
    this.prepareThreshold = prepareThreshold;
    this.evidence = Objects.requireNonNull(evidence, "evidence");
  }

  static PoolerDetection probed(boolean transactionPooler, int firstBackendPid, int secondBackendPid,
      OptionalInt prepareThreshold, String evidence) {
    return new PoolerDetection(transactionPooler, false, false, firstBackendPid, secondBackendPid,
        prepareThreshold.orElse(UNKNOWN), evidence);
  }

  static PoolerDetection statementClash(OptionalInt prepareThreshold, String evidence) {
    return new PoolerDetection(true, false, true, UNKNOWN, UNKNOWN, prepareThreshold.orElse(UNKNOWN), evidence);
  }

  static PoolerDetection declared(OptionalInt prepareThreshold) {
    return new PoolerDetection(true, true, false, UNKNOWN, UNKNOWN, prepareThreshold.orElse(UNKNOWN),
        "the application declared that it connects through a transaction-mode pooler");
  }

  /** Whether the probe failed because named prepared statements already clash on shared server connections. */
  boolean statementClash() {
    return statementClash;
  }

  /**
   * Whether a transaction-mode pooler sits in front of the database, either observed or declared.
   *
   * @return true if consecutive transactions on one JDBC connection may run on different server sessions
   */
  public boolean transactionPoolerDetected() {
    return transactionPooler;
  }

  /**
   * Whether the answer comes from the application's declaration rather than from a probe.
   *
   * @return true for {@link IsolationVerifier.PoolerCheck#ASSUME_TRANSACTION_POOLER}
   */
  public boolean declared() {
    return declared;
  }

  /**
   * The server backend that ran the probe's first transaction.
   *
   * @return the {@code pg_backend_pid()}, or empty if nothing was probed
   */
  public OptionalInt firstBackendPid() {
    return firstBackendPid == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(firstBackendPid);
  }

  /**
   * The server backend that ran the probe's second transaction on the same JDBC connection.
   *
   * @return the {@code pg_backend_pid()}, or empty if nothing was probed or the transaction never got a backend
   */
  public OptionalInt secondBackendPid() {
    return secondBackendPid == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(secondBackendPid);
  }

  /**
   * pgjdbc's {@code prepareThreshold} for connections of the probed {@code DataSource}.
   *
   * @return the threshold, or empty if the connection is not a pgjdbc connection
   */
  public OptionalInt prepareThreshold() {
    return prepareThreshold == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(prepareThreshold);
  }

  /**
   * What was observed, in words, for logs and finding messages.
   *
   * @return the evidence
   */
  public String evidence() {
    return evidence;
  }

  @Override
  public String toString() {
    return "PoolerDetection[transactionPooler=" + transactionPooler + ", prepareThreshold="
        + (prepareThreshold == UNKNOWN ? "unknown" : prepareThreshold) + ", " + evidence + "]";
  }
}
