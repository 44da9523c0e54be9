package dev.tenancy.test.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The login roles the fixtures have created and not yet dropped, with their passwords.
 *
 * <p>A PgBouncer that the kit starts itself writes them to its auth file: with the password there, PgBouncer can
 * log in to a server that asks for passwords (SCRAM), which an {@code auth_query} lookup alone cannot do.
 * Listeners run synchronously, so a role is usable through PgBouncer as soon as {@link #add} returns.
 * Thread-safe.
 */
public final class KnownRoles {
  // Keyed by server: a PgBouncer fronts one server and must neither learn nor reload for roles of another.
  private static final Map<PostgresServer, Map<String, String>> ROLES = new ConcurrentHashMap<>();
  private static final Map<PostgresServer, List<Consumer<Map<String, String>>>> LISTENERS = new ConcurrentHashMap<>();

  private KnownRoles() {}

  /**
   * Records a new role and tells the listeners.
   *
   * @param server the server the role lives on
   * @param name role name
   * @param password its password
   */
  public static void add(PostgresServer server, String name, String password) {
    roles(server).put(name, password);
    notifyListeners(server);
  }

  /**
   * Forgets a dropped role. Listeners are not told: a stale auth file entry for a dropped role is harmless, and
   * skipping the reload keeps teardown cheap.
   *
   * @param server the server the role lived on
   * @param name role name
   */
  public static void remove(PostgresServer server, String name) {
    roles(server).remove(name);
  }

  /**
   * Registers a listener and calls it once with the current roles.
   *
   * @param server the server whose roles the listener wants
   * @param listener receives a snapshot of all roles of that server after each change
   */
  public static synchronized void listen(PostgresServer server, Consumer<Map<String, String>> listener) {
    LISTENERS.computeIfAbsent(server, s -> new CopyOnWriteArrayList<>()).add(listener);
    listener.accept(Map.copyOf(roles(server)));
  }

  private static Map<String, String> roles(PostgresServer server) {
    return ROLES.computeIfAbsent(server, s -> new ConcurrentHashMap<>());
  }

  // Synchronized so that two concurrent additions cannot reach a listener in the opposite order of their snapshots.
  private static synchronized void notifyListeners(PostgresServer server) {
    Map<String, String> snapshot = Map.copyOf(roles(server));
    for (Consumer<Map<String, String>> l : LISTENERS.getOrDefault(server, List.of())) {
      l.accept(snapshot);
    }
  }
}
