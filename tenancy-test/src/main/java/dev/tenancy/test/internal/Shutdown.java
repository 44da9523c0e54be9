package dev.tenancy.test.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs cleanup actions once, at JVM exit, newest first.
 *
 * <p>Servers are shared by every test in the JVM, so no test or JUnit store can own them; a single hook keeps
 * the stop order deterministic (PgBouncer before the PostgreSQL it fronts). Thread-safe.
 */
public final class Shutdown {
  private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
  private static final Deque<Named> ACTIONS = new ArrayDeque<>();
  private static boolean hookInstalled;

  private record Named(String what, AutoCloseable action) {}

  private Shutdown() {}

  /**
   * Registers an action to run at JVM exit.
   *
   * @param what what the action stops, for the log when it fails
   * @param action the action
   */
  public static synchronized void register(String what, AutoCloseable action) {
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(Shutdown::runAll, "tenancy-test-shutdown"));
      hookInstalled = true;
    }
    ACTIONS.push(new Named(what, action));
  }

  private static void runAll() {
    Named next;
    while ((next = poll()) != null) {
      try {
        next.action().close();
      } catch (Exception e) {
        // Nothing can be done at exit beyond telling the user what was left behind.
        LOG.warn("tenancy-test: could not stop {}: {}", next.what(), e.toString());
      }
    }
  }

  private static synchronized Named poll() {
    return ACTIONS.poll();
  }
}
