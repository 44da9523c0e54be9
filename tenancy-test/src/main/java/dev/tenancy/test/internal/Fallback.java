package dev.tenancy.test.internal;

import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/** The fallback every fixture shares once no server is configured: Testcontainers if Docker answers, else local. */
final class Fallback {

  private Fallback() {}

  /**
   * Starts a container when Docker is available, else (or when the container fails) the local server.
   *
   * @param log where to report a container that did not start
   * @param image the container image, for messages
   * @param localName what the local fallback is, for messages
   * @param docker whether a Docker engine answers
   * @param container starts the container
   * @param local starts the local server
   * @param noServer builds the failure message from what happened with Docker and how the local server failed
   * @return the server
   * @throws IllegalStateException when neither could be started
   */
  static <T> T dockerElseLocal(Logger log, String image, String localName, BooleanSupplier docker,
      Supplier<T> container, Supplier<T> local, BiFunction<String, RuntimeException, String> noServer) {
    String dockerOutcome;
    if (docker.getAsBoolean()) {
      try {
        return container.get();
      } catch (RuntimeException e) {
        dockerOutcome = "Docker is available but the " + image + " container did not start (" + e.getMessage() + ")";
        log.warn("tenancy-test: {}; trying {}", dockerOutcome, localName, e);
      }
    } else {
      dockerOutcome = "no Docker engine answered";
    }
    try {
      return local.get();
    } catch (RuntimeException e) {
      throw new IllegalStateException(noServer.apply(dockerOutcome, e), e);
    }
  }
}
