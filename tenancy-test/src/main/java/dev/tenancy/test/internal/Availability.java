package dev.tenancy.test.internal;

import java.util.Objects;

/**
 * Whether the kit can provide a server on this machine.
 *
 * @param state available, unavailable, or configured but broken
 * @param reason why it is not available; empty when it is
 */
public record Availability(State state, String reason) {

  /** The three answers a probe gives. */
  public enum State {
    /** The kit can provide the server. */
    AVAILABLE,
    /** Nothing configured and nothing the kit could start: the suite is reported, or fails when required. */
    UNAVAILABLE,
    /** A variable names a server that does not answer: always a failure, the kit never falls back. */
    MISCONFIGURED
  }

  /** Checks the fields. */
  public Availability {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns an available server.
   *
   * @return an available server
   */
  public static Availability available() {
    return new Availability(State.AVAILABLE, "");
  }

  /**
   * Returns an unavailable server.
   *
   * @param reason what was tried
   * @return the answer
   */
  public static Availability unavailable(String reason) {
    return new Availability(State.UNAVAILABLE, reason);
  }

  /**
   * Returns a configured server that does not answer.
   *
   * @param reason what failed
   * @return the answer
   */
  public static Availability misconfigured(String reason) {
    return new Availability(State.MISCONFIGURED, reason);
  }
}
