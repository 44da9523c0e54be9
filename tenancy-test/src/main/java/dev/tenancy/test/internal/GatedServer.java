package dev.tenancy.test.internal;

import java.util.Locale;

/** A server the kit cannot always provide, so the suites that need it go through {@link ServerGate}. */
public enum GatedServer {
  /** A PgBouncer in transaction mode in front of the fixtures' PostgreSQL. */
  PGBOUNCER("pgbouncer", "install PgBouncer ('apt-get install pgbouncer' puts it in /usr/sbin, the kit starts it"
      + " itself), or set " + Env.PGBOUNCER_URL + " (see tenancy-test/README.md), or run a Docker engine"),
  /** A Redis Cluster of three masters. */
  REDIS_CLUSTER("redis-cluster", "put a 'redis-server' binary on the PATH (the kit starts a 3-master cluster from"
      + " it), or set " + Env.REDIS_CLUSTER_URL + "=redis://HOST:PORT,... to an existing cluster"),
  /** A RabbitMQ broker. */
  RABBITMQ("rabbitmq", "start RabbitMQ on 127.0.0.1:5672 with user guest/guest ('rabbitmq-server -detached'),"
      + " or set " + Env.RABBITMQ_URL + "=amqp://USER:PASSWORD@HOST:5672");

  private final String id;
  private final String howToProvide;

  GatedServer(String id, String howToProvide) {
    this.id = id;
    this.howToProvide = howToProvide;
  }

  /**
   * Returns the name used in {@value Env#REQUIRE}, e.g. {@code redis-cluster}.
   *
   * @return the name used in {@value Env#REQUIRE}, e.g. {@code redis-cluster}
   */
  public String id() {
    return id;
  }

  /**
   * Returns how a user makes the server available, for messages.
   *
   * @return how a user makes the server available, for messages
   */
  public String howToProvide() {
    return howToProvide;
  }

  /**
   * Returns the server with this {@link #id()}.
   *
   * @param id the name, case-insensitive
   * @return the server
   * @throws IllegalArgumentException for an unknown name; the message lists the known ones
   */
  public static GatedServer of(String id) {
    String wanted = id.trim().toLowerCase(Locale.ROOT);
    for (GatedServer server : values()) {
      if (server.id.equals(wanted)) {
        return server;
      }
    }
    throw new IllegalArgumentException(Env.REQUIRE + " names an unknown server '" + id + "'; use a comma list of"
        + " pgbouncer, redis-cluster, rabbitmq, or all");
  }
}
