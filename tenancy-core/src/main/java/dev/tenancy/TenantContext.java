package dev.tenancy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.jspecify.annotations.Nullable;

/**
 * The tenant the current thread works for: the front door of Tenancy.
 *
 * <pre>{@code
 * try (TenantScope scope = TenantContext.open(TenantId.of("acme"))) {
 *   invoices.create(draft);   // TenantContext.require() returns acme here
 * }
 * }</pre>
 *
 * <p>A tenant is only ever bound through a scope; closing the scope restores what was bound before, so nested
 * scopes and pooled threads cannot leak a tenant. While a scope is open:
 * <ul>
 *   <li>the SLF4J {@link MDC} holds the tenant id under {@value #MDC_KEY} ({@value #SYSTEM_MDC_VALUE} in a system
 *       scope), restored when the scope closes;</li>
 *   <li>the current OpenTelemetry span, if recording, gets the attribute {@code tenant.id} (or
 *       {@code tenant.system_scope} with the reason of a system scope).</li>
 * </ul>
 *
 * <p>Work handed to other threads keeps its tenant only when it is propagated: with {@link #capture()},
 * {@link #wrap(Runnable)}, {@link TenantExecutors}, {@link TenantFutures}, or the Micrometer
 * context-propagation accessor {@link TenantThreadLocalAccessor}. Tenancy never uses {@code InheritableThreadLocal}:
 * a thread created by a pool would otherwise keep the tenant of whichever request made the pool grow.
 *
 * <p>Fail closed: {@link #require()} throws {@link NoTenantException} when no tenant is bound. Work that spans
 * tenants runs in an explicit, audited {@linkplain #openSystem(String) system scope}, never by default.
 *
 * <p>Thread-safe: every method acts on the calling thread only.
 */
public final class TenantContext {

  /** The SLF4J MDC key that holds the current tenant id. */
  public static final String MDC_KEY = "tenant_id";

  /** The MDC value while a system scope is open; not a valid tenant id, so it cannot be mistaken for one. */
  public static final String SYSTEM_MDC_VALUE = "_system";

  /** The span attribute that records the tenant of the work. */
  public static final AttributeKey<String> SPAN_ATTRIBUTE = AttributeKey.stringKey("tenant.id");

  /** The span attribute that records the reason of a system scope. */
  public static final AttributeKey<String> SYSTEM_SPAN_ATTRIBUTE = AttributeKey.stringKey("tenant.system_scope");

  /** The name of the logger that records every system scope opened, at INFO. */
  public static final String AUDIT_LOGGER = "dev.tenancy.audit";

  private static final int MAX_REASON_LENGTH = 200;
  private static final ThreadLocal<Frame> CURRENT = new ThreadLocal<>();
  private static final Logger LOG = LoggerFactory.getLogger(TenantContext.class);
  private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);

  private TenantContext() {}

  /**
   * Returns the tenant bound to the current thread.
   *
   * @return the tenant, or empty when none is bound or a system scope is open
   */
  public static Optional<TenantId> current() {
    Frame frame = CURRENT.get();
    return frame == null ? Optional.empty() : frame.tenant();
  }

  /**
   * Returns the tenant bound to the current thread, failing closed when there is none.
   *
   * @return the tenant
   * @throws NoTenantException if no tenant is bound, or a system scope is open
   */
  public static TenantId require() {
    Frame frame = CURRENT.get();
    if (frame != null && frame.tenant != null) {
      return frame.tenant;
    }
    if (frame != null && frame.systemReason != null) {
      throw new NoTenantException("no tenant in context: running in the system scope '" + frame.systemReason
          + "', which spans tenants; open a TenantScope for the tenant this work belongs to");
    }
    throw new NoTenantException("no tenant in context on thread '" + Thread.currentThread().getName()
        + "'; open a TenantScope (TenantContext.open) or propagate the caller's context with "
        + "TenantContext.capture() / TenantExecutors.wrap(...)");
  }

  /**
   * Returns the reason of the system scope bound to the current thread.
   *
   * @return the reason given to {@link #openSystem(String)}, or empty when no system scope is the innermost
   */
  public static Optional<String> systemScope() {
    Frame frame = CURRENT.get();
    return frame == null ? Optional.empty() : Optional.ofNullable(frame.systemReason);
  }

  /**
   * Binds {@code tenant} to the current thread until the returned scope is closed.
   *
   * @param tenant the tenant the work belongs to
   * @return the scope; close it on this thread, preferably with try-with-resources
   */
  public static TenantScope open(TenantId tenant) {
    Objects.requireNonNull(tenant, "tenant");
    return push(tenant, null);
  }

  /**
   * Opens a system scope: work that deliberately spans tenants, such as a relay or a migration over all
   * tenants. Inside it {@link #current()} is empty and {@link #require()} throws, so tenant-scoped code still
   * fails closed; components that support system work (for example a cross-tenant maintenance job) check
   * {@link #systemScope()}. Every opening is logged at INFO on the {@value #AUDIT_LOGGER} logger with its reason.
   *
   * @param reason why the work spans tenants, for the audit log; 1 to 200 characters
   * @return the scope; close it on this thread
   * @throws IllegalArgumentException if the reason is blank or too long
   */
  public static TenantScope openSystem(String reason) {
    Objects.requireNonNull(reason, "reason");
    if (reason.isBlank() || reason.length() > MAX_REASON_LENGTH) {
      throw new IllegalArgumentException("system scope reason must be 1 to " + MAX_REASON_LENGTH
          + " characters and not blank, but was '" + TenantId.printable(reason) + "'");
    }
    Frame frame = push(null, reason);
    AUDIT.info("system scope opened: {} (thread '{}')", reason, Thread.currentThread().getName());
    return frame;
  }

  /**
   * Runs {@code action} with {@code tenant} bound, then restores the previous binding.
   *
   * @param tenant the tenant
   * @param action the work
   * @param <X> the checked exception the action may throw
   * @throws X whatever the action throws
   */
  public static <X extends Exception> void run(TenantId tenant, CheckedRunnable<X> action) throws X {
    Objects.requireNonNull(action, "action");
    try (TenantScope ignored = open(tenant)) {
      action.run();
    }
  }

  /**
   * Calls {@code work} with {@code tenant} bound, then restores the previous binding.
   *
   * @param tenant the tenant
   * @param work the work
   * @param <T> the result type
   * @param <X> the checked exception the work may throw
   * @return the result of the work
   * @throws X whatever the work throws
   */
  public static <T, X extends Exception> T call(TenantId tenant, CheckedSupplier<T, X> work) throws X {
    Objects.requireNonNull(work, "work");
    try (TenantScope ignored = open(tenant)) {
      return work.get();
    }
  }

  /**
   * Runs {@code action} in a {@linkplain #openSystem(String) system scope}.
   *
   * @param reason why the work spans tenants
   * @param action the work
   * @param <X> the checked exception the action may throw
   * @throws X whatever the action throws
   */
  public static <X extends Exception> void runAsSystem(String reason, CheckedRunnable<X> action) throws X {
    Objects.requireNonNull(action, "action");
    try (TenantScope ignored = openSystem(reason)) {
      action.run();
    }
  }

  /**
   * Captures the current binding, to restore it on another thread or later.
   *
   * @return an immutable snapshot of the binding (possibly of "no tenant")
   */
  public static TenantSnapshot capture() {
    Frame frame = CURRENT.get();
    return frame == null ? TenantSnapshot.NONE : frame.snapshot();
  }

  /**
   * Wraps {@code task} so that it runs with the binding current now, wherever it runs.
   *
   * @param task the task
   * @return the wrapped task
   */
  public static Runnable wrap(Runnable task) {
    return capture().wrap(task);
  }

  /**
   * Wraps {@code task} so that it runs with the binding current now, wherever it runs.
   *
   * @param task the task
   * @param <T> the result type
   * @return the wrapped task
   */
  public static <T> Callable<T> wrap(Callable<T> task) {
    return capture().wrap(task);
  }

  /**
   * Wraps {@code supplier} so that it runs with the binding current now, wherever it runs.
   *
   * @param supplier the supplier
   * @param <T> the result type
   * @return the wrapped supplier
   */
  public static <T> Supplier<T> wrapSupplier(Supplier<T> supplier) {
    return capture().wrapSupplier(supplier);
  }

  /**
   * A runnable that may throw a checked exception.
   *
   * @param <X> the exception type
   */
  @FunctionalInterface
  public interface CheckedRunnable<X extends Exception> {
    /**
     * Runs the work.
     *
     * @throws X on failure
     */
    void run() throws X;
  }

  /**
   * A supplier that may throw a checked exception.
   *
   * @param <T> the result type
   * @param <X> the exception type
   */
  @FunctionalInterface
  public interface CheckedSupplier<T, X extends Exception> {
    /**
     * Computes the result.
     *
     * @return the result
     * @throws X on failure
     */
    T get() throws X;
  }

  // ---- the stack of frames; package-private so snapshots and the Micrometer accessor share one mechanism

  static @Nullable Frame currentFrame() {
    return CURRENT.get();
  }

  static Frame push(@Nullable TenantId tenant, @Nullable String systemReason) {
    Frame frame = new Frame(tenant, systemReason, CURRENT.get());
    CURRENT.set(frame);
    String mdc = frame.mdcValue();
    if (mdc == null) {
      MDC.remove(MDC_KEY);
    } else {
      MDC.put(MDC_KEY, mdc);
    }
    if (tenant != null || systemReason != null) {
      Span span = Span.current();
      if (span.isRecording()) {
        if (tenant != null) {
          span.setAttribute(SPAN_ATTRIBUTE, tenant.value());
        } else {
          span.setAttribute(SYSTEM_SPAN_ATTRIBUTE, systemReason);
        }
      }
    }
    return frame;
  }

  static void close(Frame frame) {
    if (frame.closed) {
      return;
    }
    if (Thread.currentThread() != frame.owner) {
      // Another thread's ThreadLocal cannot be touched; the owner thread keeps the binding until it closes it.
      LOG.error("{} opened on thread '{}' was closed on thread '{}' and stays open there; close scopes on the "
              + "thread that opened them and hand work to other threads with TenantContext.capture()",
          frame, frame.owner.getName(), Thread.currentThread().getName());
      return;
    }
    frame.closed = true;
    if (CURRENT.get() != frame) {
      LOG.warn("{} closed out of order: a scope opened inside it is still open; close scopes in reverse order "
          + "of opening (try-with-resources does)", frame);
      return;
    }
    Frame restored = frame.parent;
    while (restored != null && restored.closed) {
      restored = restored.parent;
    }
    install(restored);
  }

  /**
   * Makes {@code frame} the current binding of this thread, whatever is bound now. Used to restore a pooled
   * thread exactly after a propagated task, even if the task leaked an unclosed scope.
   */
  static void install(@Nullable Frame frame) {
    CURRENT.set(frame);
    String mdc = frame == null ? null : frame.mdcValue();
    if (mdc == null) {
      MDC.remove(MDC_KEY);
    } else {
      MDC.put(MDC_KEY, mdc);
    }
  }

  static void logLeak(Frame leaked, String where) {
    LOG.warn("a task left {} open on thread '{}' {}; it was discarded so the thread cannot keep the tenant — "
        + "close every scope you open (try-with-resources)", leaked, Thread.currentThread().getName(), where);
  }
}
