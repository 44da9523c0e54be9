package dev.tenancy.cache;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The result of looking a key up in a backend: a hit with its value and tags, a miss with the generations seen
 * (written into the entry if the caller stores a loaded value, so an invalidation during the load makes that
 * entry stale at once), or "backend unavailable" (nothing may be written).
 */
final class Lookup {

  private static final Lookup UNAVAILABLE = new Lookup(null, Set.of(), null);

  final @Nullable Object value;
  final Set<String> tags;
  final @Nullable Object snapshot;

  private Lookup(@Nullable Object value, Set<String> tags, @Nullable Object snapshot) {
    this.value = value;
    this.tags = tags;
    this.snapshot = snapshot;
  }

  static Lookup hit(Object value, Set<String> tags) {
    return new Lookup(value, tags, null);
  }

  static Lookup miss(Object snapshot) {
    return new Lookup(null, Set.of(), snapshot);
  }

  static Lookup unavailable() {
    return UNAVAILABLE;
  }

  boolean isHit() {
    return value != null;
  }

  boolean isAvailable() {
    return value != null || snapshot != null;
  }
}
