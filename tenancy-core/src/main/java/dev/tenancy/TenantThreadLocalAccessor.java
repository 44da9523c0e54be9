package dev.tenancy;

import io.micrometer.context.ThreadLocalAccessor;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

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
  public @Nullable TenantSnapshot getValue() {
    Frame frame = TenantContext.currentFrame();
    if (frame == null || (frame.tenant == null && frame.systemReason == null)) {
      return null;
    }
    return frame.snapshot();
  }

  @Override
  public void setValue(TenantSnapshot value) {
    enter(value);
  }

  @Override
  public void setValue() {
    enter(TenantSnapshot.NONE);
  }

  @Override
  public void restore(TenantSnapshot previousValue) {
    exit();
  }

  @Override
  public void restore() {
    exit();
  }

  // Micrometer pairs each setValue with a restore on the same thread, innermost first. Remember what each
  // setValue found so that restore puts back exactly that, discarding scopes the task left open.
  private static final ThreadLocal<ArrayDeque<Frame[]>> ENTERED = ThreadLocal.withInitial(ArrayDeque::new);

  private static void enter(TenantSnapshot value) {
    Frame before = TenantContext.currentFrame();
    Frame entered = TenantContext.push(value.tenant().orElse(null), value.systemScope().orElse(null));
    ENTERED.get().push(new Frame[] {before, entered});
  }

  private static void exit() {
    Frame[] pair = ENTERED.get().poll();
    if (pair != null) {
      TenantSnapshot.exit(pair[0], pair[1]);
    }
  }
}
