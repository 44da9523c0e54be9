package dev.tenancy.test.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/** Whether Testcontainers can reach a Docker engine; asked once per JVM. Thread-safe. */
public final class Docker {
  private static final Logger LOG = LoggerFactory.getLogger(Docker.class);
  private static final Lazy<Boolean> AVAILABLE = new Lazy<>(Docker::probe);

  private Docker() {}

  /**
   * Returns true when a Docker engine answers.
   *
   * @return true when a Docker engine answers
   */
  public static boolean available() {
    return AVAILABLE.get();
  }

  private static boolean probe() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      // A broken Docker setup must not hide the next fallback; it only means "no Docker".
      LOG.debug("tenancy-test: Docker probe failed", e);
      return false;
    }
  }
}
