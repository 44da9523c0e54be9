package dev.tenancy.outbox;

import java.util.concurrent.atomic.AtomicLong;

/** Runs deliveries through the inbox for a broker consumer and counts handled messages and skipped duplicates. */
final class InboxCounts {
  private final Inbox inbox;
  private final Inbox.Handler handler;
  private final AtomicLong handled = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();

  InboxCounts(Inbox inbox, Inbox.Handler handler) {
    this.inbox = inbox;
    this.handler = handler;
  }

  /** Handles {@code message} exactly once through the inbox and counts it as handled or as a duplicate. */
  void process(OutboxMessage message) throws Exception {
    if (inbox.process(message, handler)) {
      handled.incrementAndGet();
    } else {
      duplicates.incrementAndGet();
    }
  }

  long handled() {
    return handled.get();
  }

  long duplicates() {
    return duplicates.get();
  }
}
