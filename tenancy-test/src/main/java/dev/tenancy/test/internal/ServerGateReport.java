package dev.tenancy.test.internal;

import java.util.List;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of every test run that has the kit on its class path, how many suites did not run for want of
 * a server and why, so that no suite disappears silently from a build. Registered through
 * {@code META-INF/services}; the JUnit Platform (and so Surefire and Failsafe) loads it.
 */
public final class ServerGateReport implements TestExecutionListener {

  /** Creates the listener; the JUnit Platform calls this. */
  public ServerGateReport() {}

  /**
   * Prints the summary when some suites were reported instead of run.
   *
   * @param testPlan the finished plan
   */
  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    List<String> lines = ServerGate.reported();
    if (lines.isEmpty()) {
      return;
    }
    lines.sort(null);
    StringBuilder summary = new StringBuilder(System.lineSeparator())
        .append("[tenancy-test] ").append(lines.size()).append(lines.size() == 1 ? " suite" : " suites")
        .append(" did not run because a server was not available (").append(Env.REQUIRE)
        .append("=all makes that a failure):");
    for (String line : lines) {
      summary.append(System.lineSeparator()).append("[tenancy-test]   ").append(line);
    }
    System.out.println(summary);
  }
}
