package dev.tenancy;

import io.micrometer.context.ThreadLocalAccessor;

/**
 * Bridges the tenant context to Micrometer context-propagation, so that Spring, Reactor ({@code
 * Hooks.enableAutomaticContextPropagation()}), Micrometer Tracing and {@code ContextSnapshot} carry the tenant
 * like any other thread-local.
 *
 * <p>Registered automatically through {@code META-INF/services/io.micrometer.context.ThreadLocalAccessor};
 * Micrometer's {@code context-propagation} library is an optional dependency and only needed for this bridge.
 * The value it captures is a {@link TenantSnapshot}; setting a value opens a nested binding that the matching
 * restore closes, so Micrometer's set/restore pairs behave exactly like scopes.
 *
 * <p>Thread-safe: acts on the calling thread only.
 */
public final class TenantThreadLocalAccessor implements ThreadLocalAccessor<TenantSnapshot> {

  /** The key under which the tenant is registered with Micrometer's {@code ContextRegistry}. */
  public static final String KEY = "dev.tenancy.tenant";

  /** Creates the accessor; called by the service loader. */
  public TenantThreadLocalAccessor() {}

  @Override
  public Object key() {
    return KEY;
  }

  @Override
  public TenantSnapshot getValue() {
    Frame frame = TenantContext.currentFrame();
    if (frame == null || (frame.tenant == null && frame.systemReason == null)) {
      return null;
    }
    return frame.snapshot();
  }

  @Override
  public void setValue(TenantSnapshot value) {
    value.restore();
  }

  @Override
  public void setValue() {
    TenantSnapshot.NONE.restore();
  }

  @Override
  public void restore(TenantSnapshot previousValue) {
    pop();
  }

  @Override
  public void restore() {
    pop();
  }

  // Undo the binding made by the matching setValue: Micrometer restores in reverse order on the same thread.
  private static void pop() {
    Frame frame = TenantContext.currentFrame();
    if (frame != null) {
      frame.close();
    }
  }
}
