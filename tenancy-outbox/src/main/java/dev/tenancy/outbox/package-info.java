/**
 * Transactional outbox, a relay fair across tenants, idempotency keys and an inbox.
 *
 * <p>{@link dev.tenancy.outbox.Outbox} appends events in the caller's own transaction;
 * {@link dev.tenancy.outbox.OutboxRelay} publishes them through an {@link dev.tenancy.outbox.OutboxPublisher}
 * with deficit-round-robin fairness across tenants; {@link dev.tenancy.outbox.IdempotencyKeys} makes retried
 * requests execute once; {@link dev.tenancy.outbox.Inbox} makes consumers apply each event once.
 * {@link dev.tenancy.outbox.OutboxSchema} generates the tables and their row-level security.
 */
@NullMarked
package dev.tenancy.outbox;

import org.jspecify.annotations.NullMarked;
