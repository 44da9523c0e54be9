package dev.tenancy.ratelimit;

import dev.tenancy.TenantId;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Deficit round robin over tenants with unit-cost tasks: each turn a tenant may start {@code weight} tasks, then
 * goes to the back of the ring. A tenant that has its cap of tasks running loses its turn. So a tenant with queued
 * work waits for at most one turn of every other tenant, however much they have queued.
 *
 * <p>Not thread-safe: {@link FairExecutor} guards it with its lock.
 */
final class FairQueue<T> {

  /** A tenant's queue and its place in the rotation. */
  static final class Flow<T> {
    final TenantId tenant;
    final ArrayDeque<T> tasks = new ArrayDeque<>();
    int weight;
    int cap;
    int deficit;
    int running;
    boolean active;

    Flow(TenantId tenant) {
      this.tenant = tenant;
    }
  }

  /** A task chosen to run, and the flow to report it done to. */
  record Next<T>(Flow<T> flow, T task) {}

  private final Map<TenantId, Flow<T>> flows = new HashMap<>();
  private final ArrayDeque<Flow<T>> ring = new ArrayDeque<>();
  private int size;

  /** Queues a task; the tenant's weight and cap are updated to the given ones. */
  void offer(TenantId tenant, int weight, int cap, T task) {
    Flow<T> flow = flows.computeIfAbsent(tenant, Flow::new);
    flow.weight = weight;
    flow.cap = cap;
    flow.tasks.addLast(task);
    size++;
    if (!flow.active) {
      flow.active = true;
      flow.deficit = 0;
      ring.addLast(flow);
    }
  }

  /** Picks the next task to start, or null when every tenant with queued work is at its cap (or none has any). */
  @Nullable Next<T> poll() {
    int candidates = ring.size();
    for (int i = 0; i < candidates; i++) {
      Flow<T> flow = ring.pollFirst();
      if (flow == null) {
        return null;
      }
      if (flow.running >= flow.cap) {
        flow.deficit = 0;
        ring.addLast(flow);
        continue;
      }
      if (flow.deficit <= 0) {
        flow.deficit = flow.weight;
      }
      T task = java.util.Objects.requireNonNull(flow.tasks.pollFirst());
      flow.deficit--;
      flow.running++;
      size--;
      if (flow.tasks.isEmpty()) {
        flow.active = false;
        flow.deficit = 0;
      } else if (flow.deficit > 0) {
        ring.addFirst(flow);
      } else {
        ring.addLast(flow);
      }
      return new Next<>(flow, task);
    }
    return null;
  }

  /** Reports a task of the flow finished. */
  void done(Flow<T> flow) {
    flow.running--;
    if (flow.running == 0 && !flow.active) {
      flows.remove(flow.tenant);
    }
  }

  /** @return the tasks queued and not started */
  int size() {
    return size;
  }

  /** @return the tasks the tenant has queued */
  int queued(TenantId tenant) {
    Flow<T> flow = flows.get(tenant);
    return flow == null ? 0 : flow.tasks.size();
  }

  /** Removes and returns every queued task. */
  java.util.List<T> drain() {
    java.util.List<T> all = new java.util.ArrayList<>(size);
    for (Flow<T> flow : ring) {
      all.addAll(flow.tasks);
      flow.tasks.clear();
      flow.active = false;
    }
    ring.clear();
    size = 0;
    return all;
  }
}
